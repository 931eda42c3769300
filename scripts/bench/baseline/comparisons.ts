/** The ratios the report shows: a scenario's req/s over its peer's, with the minimum the issue asks for where there is one. */
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
  return [
    compare('health-vs-fastify', 'liveness vs bare Fastify', 'health', 'fastify-hello', 0.7),
    compare('health-vs-node', 'liveness vs bare node:http', 'health', 'node-hello'),
    compare('fastify-vs-node', 'Fastify vs node:http', 'fastify-hello', 'node-hello'),
    compare('nest-vs-fastify', 'bare NestJS vs bare Fastify', 'nest-hello', 'fastify-hello'),
    compare('health-vs-nest', 'liveness vs bare NestJS on Fastify', 'health', 'nest-hello'),
    compare('item-vs-pg', 'item GET vs Fastify + pg', 'item', 'pg-item', 0.5),
    compare('304-vs-200', '304 vs 200 of the same item', 'item-304', 'item', 1.0),
    compare('replay-vs-item', 'idempotent replay vs item GET', 'replay', 'item', 0.9),
    compare('list-vs-pg', 'list vs Fastify + pg list', 'list', 'pg-list'),
    compare('list-vs-item', 'list (20) vs item GET', 'list', 'item'),
    compare('candidate-health', 'candidate liveness vs bare Fastify', 'health-candidate', 'fastify-hello', 0.7),
    compare('candidate-health-gain', 'candidate liveness vs this tree', 'health-candidate', 'health'),
    compare('candidate-item', 'candidate item GET vs Fastify + pg', 'item-candidate', 'pg-item', 0.5),
    compare('candidate-item-gain', 'candidate item GET vs this tree', 'item-candidate', 'item'),
    compare('candidate-list-gain', 'candidate list vs this tree', 'list-candidate', 'list'),
    compare('post-key-vs-post', 'POST with new key vs without', 'post-key', 'post', 0.8),
    compare('throttler-memory', 'throttler (memory) vs off', 'item-memory', 'item-unthrottled', 0.9),
    compare('throttler-redis', 'throttler (Redis) vs off', 'item-redis', 'item-unthrottled', 0.8),
    compare('login-vs-verify', 'login vs raw argon2id verify', 'login', 'argon2-verify', 0.8),
    compare('health-under-flood', 'liveness during login flood vs idle', 'health-flood', 'health-idle', 0.5),
  ].filter((x): x is Comparison => x !== undefined);
}
