/** The ratios the report shows: a scenario's req/s over its peer's (or its p50 over its p99), with the minimum issue #25 asks for where there is one. */
import type { Comparison, ScenarioResult } from './report';

export function comparisons(scenarios: ScenarioResult[]): Comparison[] {
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const compare = (id: string, title: string, scenario: string, peer: string, target?: number): Comparison | undefined => {
    const s = byId.get(scenario);
    const p = byId.get(peer);
    if (!s || !p) return undefined;
    if (s.skipped || p.skipped) return { id, title, scenario, peer, target, status: 'skipped', reason: s.skipped ?? p.skipped };
    const ratio = (s.rps ?? 0) / Math.max(p.rps ?? 0, Number.EPSILON);
    return {
      id,
      title,
      scenario,
      peer,
      ratio,
      target,
      status: target === undefined ? 'info' : ratio >= target ? 'met' : 'missed',
    };
  };
  /** A scenario's own latency spread: p50 over p99 (at least 1/3: the p99 within three times the median). */
  const tail = (id: string, title: string, scenario: string, target?: number): Comparison | undefined => {
    const s = byId.get(scenario);
    if (!s) return undefined;
    if (s.skipped) return { id, title, scenario, peer: scenario, target, status: 'skipped', reason: s.skipped };
    const ratio = (s.latencyMs?.p50 ?? 0) / Math.max(s.latencyMs?.p99 ?? 0, Number.EPSILON);
    if (target === undefined) return { id, title, scenario, peer: scenario, ratio, status: 'info' };
    return { id, title, scenario, peer: scenario, ratio, target, status: ratio >= target ? 'met' : 'missed' };
  };
  /**
   * The floor of a ratio "the app with X vs without": the app's request without X, plus what X costs
   * a bare Fastify peer (its request with X minus without, in machine time per request at
   * saturation), and nothing else: what the app's ratio would be if its own code around X cost
   * nothing.
   */
  const floorOf = (
    id: string,
    title: string,
    [scenario, base]: [string, string],
    [peerWith, peerWithout]: [string, string],
  ): Comparison | undefined => {
    const [appBase, pgWith, pgWithout] = [base, peerWith, peerWithout].map((x) => byId.get(x));
    if (!appBase?.rps || !pgWith?.rps || !pgWithout?.rps || appBase.skipped || pgWith.skipped || pgWithout.skipped)
      return undefined;
    const extraSeconds = 1 / pgWith.rps - 1 / pgWithout.rps;
    const ratio = 1 / (1 + appBase.rps * Math.max(0, extraSeconds));
    return { id, title, scenario, peer: base, ratio, status: 'info' };
  };
  const list = [
    compare('health-vs-fastify', 'liveness vs bare Fastify', 'health', 'fastify-hello', 0.5),
    compare('health-vs-node', 'liveness vs bare node:http', 'health', 'node-hello'),
    compare('fastify-vs-node', 'Fastify vs node:http', 'fastify-hello', 'node-hello'),
    compare('nest-vs-fastify', 'bare NestJS vs bare Fastify', 'nest-hello', 'fastify-hello'),
    compare('health-vs-nest', 'liveness vs bare NestJS on Fastify', 'health', 'nest-hello', 0.7),
    compare('probe-floor-vs-nest', "bare NestJS with the probe's headers vs bare NestJS", 'nest-probe', 'nest-hello'),
    compare('health-vs-probe-floor', "liveness vs bare NestJS with the probe's headers", 'health', 'nest-probe'),
    compare(
      'platform-floor-vs-nest',
      "bare NestJS with the probe's headers and the platform's per-request work vs bare NestJS",
      'nest-platform-probe',
      'nest-hello',
    ),
    compare(
      'health-vs-platform-floor',
      "liveness vs bare NestJS with the probe's headers and the platform's per-request work",
      'health',
      'nest-platform-probe',
    ),
    compare(
      'fresh-health-vs-platform-floor',
      "liveness of an app that has served nothing else vs bare NestJS with the probe's headers and the platform's per-request work",
      'health-fresh',
      'nest-platform-probe',
    ),
    compare('health-vs-fresh', 'liveness vs the same of an app that has served nothing else', 'health', 'health-fresh'),
    compare('item-vs-pg', 'item GET vs Fastify + pg', 'item', 'pg-item', 0.6),
    tail('item-tail', 'item GET p50 / p99 (p99 ≤ 3 × p50)', 'item', 1 / 3),
    tail('pg-item-tail', "Fastify + pg item p50 / p99, the same load (the target's floor)", 'pg-item'),
    tail('pg-item-prepared-tail', 'Fastify + pg item prepared as the app, p50 / p99', 'pg-item-prepared'),
    compare('304-vs-200', '304 vs 200 of the same item', 'item-304', 'item', 1.0),
    compare('replay-vs-item', 'idempotent replay vs item GET', 'replay', 'item', 0.9),
    compare('list-vs-pg', 'list vs Fastify + pg list', 'list', 'pg-list', 0.6),
    compare('item-vs-pg-prepared', 'item GET vs Fastify + pg preparing what the app prepares', 'item', 'pg-item-prepared'),
    compare('list-vs-pg-prepared', 'list vs Fastify + pg preparing what the app prepares', 'list', 'pg-list-prepared'),
    compare('list-vs-item', 'list (20) vs item GET', 'list', 'item'),
    compare('candidate-health', 'candidate liveness vs bare Fastify', 'health-candidate', 'fastify-hello', 0.5),
    compare('candidate-health-gain', 'candidate liveness vs this tree', 'health-candidate', 'health'),
    compare('candidate-item', 'candidate item GET vs Fastify + pg', 'item-candidate', 'pg-item', 0.6),
    compare('candidate-item-gain', 'candidate item GET vs this tree', 'item-candidate', 'item'),
    compare('candidate-list-gain', 'candidate list vs this tree', 'list-candidate', 'list'),
    compare('post-key-vs-post', 'POST with new key vs without', 'post-key', 'post', 0.85),
    compare(
      'pg-post-key-vs-pg-post',
      'Fastify + pg: POST with new key vs without (the database alone)',
      'pg-post-key',
      'pg-post',
    ),
    floorOf('post-key-floor', `${KEY_FLOOR}: its floor`, ['post-key', 'post'], ['pg-post-key', 'pg-post']),
    compare('throttler-memory', 'throttler (memory) vs off', 'item-memory', 'item-unthrottled', 0.95),
    compare('throttler-redis', 'throttler (Redis) vs off', 'item-redis', 'item-unthrottled', 0.9),
    compare('pg-throttler-redis', 'Fastify + pg item: the two tiers on Redis vs none', 'pg-item-redis', 'pg-item-off'),
    floorOf(
      'throttler-redis-floor',
      `${REDIS_FLOOR}: its floor`,
      ['item-redis', 'item-unthrottled'],
      ['pg-item-redis', 'pg-item-off'],
    ),
    compare('login-vs-verify', 'login vs raw argon2id verify', 'login', 'argon2-verify', 0.85),
    compare(
      'login-floor-http',
      'login at its best without statements (verify + HTTP) vs raw verify',
      'login-floor-http',
      'argon2-verify',
    ),
    compare(
      'login-floor',
      "login at its best with the app's round trips vs raw verify (the target's floor)",
      'login-floor',
      'argon2-verify',
    ),
    compare('login-vs-floor', 'login vs its floor', 'login', 'login-floor'),
    compare(
      'login-vs-platform-floor',
      "login vs its floor with the platform's per-request work",
      'login',
      'login-platform-floor',
    ),
    compare(
      'login-app-floor',
      "login of the app's own work and the platform's, without Nest, vs raw verify (the target's floor with what a login records)",
      'login-app-floor',
      'argon2-verify',
    ),
    compare('login-vs-app-floor', "login vs its floor doing the app's own work", 'login', 'login-app-floor'),
    compare('health-under-flood', 'liveness during login flood vs idle', 'health-flood', 'health-idle', 0.5),
    compare('flood-elsewhere', 'liveness during a flood on another instance vs idle', 'health-flood-elsewhere', 'health-idle'),
    compare('flood-own-share', "liveness during its own flood vs during another's", 'health-flood', 'health-flood-elsewhere'),
    compare(
      'flood-floor',
      "a bare process's probe during its own login flood vs idle (the target's floor)",
      'floor-health-flood',
      'floor-health-idle',
    ),
    compare(
      'flood-platform-floor',
      "a process refusing with the platform's per-request work: its probe during its own login flood vs idle",
      'platform-floor-health-flood',
      'platform-floor-health-idle',
    ),
  ].filter((x): x is Comparison => x !== undefined);
  return [
    ...list,
    ...over(list, 'post-key-vs-floor', `${KEY_FLOOR}, over its floor`, 'post-key-vs-post', 'post-key-floor'),
    ...over(list, 'throttler-redis-vs-floor', `${REDIS_FLOOR}, over its floor`, 'throttler-redis', 'throttler-redis-floor'),
    ...over(list, 'item-tail-vs-floor', 'item GET p50 / p99, over its floor', 'item-tail', 'pg-item-tail'),
    ...over(list, 'flood-vs-floor', 'liveness during login flood vs idle, over its floor', 'health-under-flood', 'flood-floor'),
    ...over(
      list,
      'flood-vs-platform-floor',
      'liveness during login flood vs idle, over its platform floor',
      'health-under-flood',
      'flood-platform-floor',
    ),
  ];
}

const KEY_FLOOR = 'POST with new key vs without, if the key cost only its database work';
const REDIS_FLOOR = 'throttler (Redis) vs off, if it cost only its two counters and their headers';

/** Comparison `of` over comparison `floor` (both measured): how far a ratio is from its floor. */
function over(list: Comparison[], id: string, title: string, of: string, floor: string): Comparison[] {
  const [a, b] = [of, floor].map((x) => list.find((c) => c.id === x));
  if (a?.ratio === undefined || !b?.ratio) return [];
  return [{ id, title, scenario: a.scenario, peer: a.peer, ratio: a.ratio / b.ratio, status: 'info' }];
}
