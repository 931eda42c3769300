/**
 * What a group of the baseline is (scenarios, "members", measured interleaved with each other)
 * and what every group builder gets: the running targets, the seeded data, the loads they share.
 */
import type { Load, Sample } from '../load';
import type { Target } from '../processes';
import type { Report } from '../report';
import { PASSWORD, POST_BODY, type Seed } from '../seed';
import type { GroupId, LoginSizing } from '../settings';
import type { FromTarget } from '../targets';

export interface Member {
  id: string;
  title: string;
  server: string;
  connections: number;
  expected: string[];
  run(seconds: number): Promise<Sample>;
  skipped?: string;
  /** Not warmed up on its own (it measures a path another member has warmed). */
  noWarmUp?: boolean;
  /** Runs the app's own code (a floor made of it): warmed up as long as an app, not as a bare peer. */
  warmAsApp?: boolean;
  /** The target process that serves it, whose CPU time is counted (cpu.ts). */
  cpuOf?: string;
}

export interface Group {
  id: GroupId;
  /** Length of one interleaved slice, seconds (the total per scenario stays `--seconds`). */
  slice: number;
  /** Pause after every slice so the server finishes the work still in flight. */
  settleMs: number;
  members: Member[];
}

export interface GroupContext {
  targets: Record<string, Target>;
  /** `--connections`. */
  connections: number;
  seed: Seed;
  /** The item's ETag (for the conditional GET). */
  etag: string;
  sizing: LoginSizing;
  /** Why the Redis throttler scenario is skipped, when it is. */
  redisUnavailable?: string;
  /** The login flood's statuses, added up over its slices (for the report). */
  floodTotals: NonNullable<Report['flood']>;
}

/** Runs `load` for `seconds` from the load-generator process. */
export async function fire(client: Target, load: Load, seconds: number): Promise<Sample> {
  const answer = await client.ask(
    { type: 'fire', load, seconds },
    (m): m is Extract<FromTarget, { type: 'fired' }> => m.type === 'fired',
    (seconds + 60) * 1000,
  );
  if (!answer.sample) throw new Error(`load generator: ${answer.error}`);
  return answer.sample;
}

/** A member that is one HTTP load fired from the load generator. */
export function httpMember(
  ctx: GroupContext,
  id: string,
  title: string,
  server: string,
  load: Load,
  expected: string[],
  skipped?: string,
): Member {
  const client = ctx.targets.client;
  const run = (seconds: number) => fire(client, load, seconds);
  return { id, title, server, connections: load.connections, expected, run, skipped, cpuOf: targetAt(ctx, load.url) };
}

/** The target listening on the port `url` names. */
export function targetAt(ctx: GroupContext, url: string): string | undefined {
  const port = new URL(url).port;
  return Object.keys(ctx.targets).find((name) => String(ctx.targets[name].port) === port);
}

export const bearer = (ctx: GroupContext, role: string): Record<string, string> => ({
  authorization: `Bearer ${ctx.seed.tokens[role]}`,
});

/** The reader's GET of the seeded item from `target`. */
export const itemLoad = (ctx: GroupContext, target: Target): Load => ({
  url: target.url(ctx.seed.itemPath),
  headers: bearer(ctx, 'reader'),
  connections: ctx.connections,
});

/** The reader's first page of 20 projects from `target`. */
export const listLoad = (ctx: GroupContext, target: Target): Load => ({
  url: target.url('/api/v1/projects?page_size=20'),
  headers: bearer(ctx, 'reader'),
  connections: ctx.connections,
});

/** A GET of `path` from `target`, without credentials (the bare peers). */
export const plainLoad = (ctx: GroupContext, target: Target, path: string): Load => ({
  url: target.url(path),
  connections: ctx.connections,
});

/** The app's liveness probe. */
export const healthLoad = (ctx: GroupContext): Load => plainLoad(ctx, ctx.targets.app, '/health/live');

/** The writer's project POST to the app, with `headers` added (an idempotency key). */
export const postLoad = (ctx: GroupContext, headers: Record<string, string> = {}, idReplacement?: boolean): Load => ({
  url: ctx.targets.app.url('/api/v1/projects'),
  method: 'POST',
  headers: { 'content-type': 'application/json', ...bearer(ctx, 'writer'), ...headers },
  body: JSON.stringify(POST_BODY),
  idReplacement,
  connections: ctx.connections,
});

/** The login account's correct-password login at the app, from `connections` connections. */
export const loginLoad = (ctx: GroupContext, connections: number, target: Target = ctx.targets.app): Load => ({
  url: target.url('/api/v1/auth/token'),
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: ctx.seed.emails.login, password: PASSWORD }),
  connections,
});
