/**
 * `npm run bench -- sequential [--seconds N]`: what one request costs, one at a time, by thread.
 *
 * The full baseline measures at saturation, where the host's noise moves a ratio by ±0.1 between runs and hides
 * anything under a tenth. Here each request waits for the one before, so nothing batches and nothing queues: the
 * CPU a request costs, read from `/proc` for every thread of the serving process (grouped by role: the event loop,
 * V8's workers, libuv's threadpool) and for every `postgres` process, divided by the requests. Each kind runs the
 * app and its floor (the peer the baseline compares it with) started as the baseline starts them, on a throw-away
 * database; `BENCH_SEQUENTIAL=login,refusal,probe,item` picks kinds (all by default), `BENCH_ROUNDS` repeats each
 * (alternating the targets; default 2), `BENCH_CANDIDATE=<checkout>` measures that checkout's app too (a before and an
 * after in one run). Linux only. docs/performance.md (eighth and ninth passes) reads its figures.
 *
 * - `login`: a correct password login (app: `POST /api/v1/auth/token`; floor: the login-floor peer, 6 round trips).
 * - `refusal`: a login the argon2 pool refuses (503): a pool of one (`ARGON2_MAX_CONCURRENCY=1`, no queue) held by
 *   one slow hashing (256 MiB, t=20) that a second client keeps going, while the measured client's logins are shed.
 * - `probe`: `GET /health/live` (floors: bare Nest answering the probe's body and headers; the same with the
 *   platform's per-request work at its cheapest, platform-floor.ts).
 * - `item`: the authenticated item GET (the app alone: its peer needs the baseline's seeding).
 * - `post`, `post-key`: the project POST without an idempotency key and with a new one each time, on the app and on
 *   the Fastify + pg peer (the same SQL, the key's claim and stored response riding with its transaction's first and
 *   last statements): the difference between the two kinds is what the key costs each. The app runs first: the peer
 *   posts as the user the app's run signed in (`sub`, `sid` of its token).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEnvironment } from '../../src/platform/config';
import { cpuBetween, readCpu, THREAD_ROLES, threadCpuMs, type ThreadRole } from './baseline/cpu';
import { createBenchDatabase } from './baseline/database';
import { benchEnvironment } from './baseline/fleet';
import { cleanUpOnInterrupt, PROJECT_ROOT, startTarget, type Target, writeLoader } from './baseline/processes';
import { claimsOf, PASSWORD } from './baseline/seed';
import type { TargetKind } from './baseline/targets';
import type { ScenarioOptions } from './scenario';

const KINDS = ['login', 'refusal', 'probe', 'item', 'post', 'post-key'] as const;
type Kind = (typeof KINDS)[number];

/** The peers each kind is set against (none for the item GET). */
const FLOORS: Record<Kind, TargetKind[]> = {
  login: ['login-floor'],
  refusal: ['login-floor'],
  probe: ['nest-headers', 'nest-platform'],
  item: [],
  post: ['fastify-pg'],
  'post-key': ['fastify-pg'],
};

/** A pool of one held for seconds by each hashing: every other login meanwhile is refused. */
const REFUSAL_ENV = { ARGON2_MEMORY_KIB: '262144', ARGON2_TIME_COST: '20', ARGON2_MAX_CONCURRENCY: '1', ARGON2_MAX_QUEUE: '0' };

/** Requests before the measured windows, for runs of 5 s or more; shorter runs (CI's smoke round) warm up in proportion. */
const WARM_UP: Record<Kind, number> = { login: 50, refusal: 2000, probe: 5000, item: 2000, post: 500, 'post-key': 500 };

const warmUpOf = (kind: Kind, seconds: number): number => Math.ceil(WARM_UP[kind] * Math.min(1, seconds / 5));

/** What each kind must answer (a refusal window with anything else is measured again, see `measure`). */
const EXPECTED: Record<Kind, string> = {
  login: '200',
  refusal: '503',
  probe: '200',
  item: '200',
  post: '201',
  'post-key': '201',
};

export interface SequentialResult {
  kind: Kind;
  target: string;
  requests: number;
  statuses: Record<string, number>;
  /** Refusal windows measured again because a login got through in them. */
  droppedWindows: number;
  /** Per request, ms: wall time, and CPU by thread role (user + system) and in PostgreSQL. */
  wallMs: number;
  cpuMs: Record<ThreadRole, number> & { postgres: number; system: number };
}

export async function benchSequential(options: ScenarioOptions): Promise<void> {
  const kinds = parseKinds(process.env.BENCH_SEQUENTIAL);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('BENCH_ROUNDS must be a positive integer');
  if (threadCpuMs(process.pid) === null) throw new Error('the sequential benchmark reads /proc: Linux only');
  const database = await createBenchDatabase(loadEnvironment());
  const scratch = mkdtempSync(join(tmpdir(), 'bastion-bench-'));
  const results: SequentialResult[] = [];
  const cleanup = async () => {
    rmSync(scratch, { recursive: true, force: true });
    await database.drop();
  };
  const stopListening = cleanUpOnInterrupt('dropping the bench database', cleanup);
  try {
    // Every checkout a target runs from (this one, and a candidate's) is transpiled before the first starts.
    const roots = new Set([PROJECT_ROOT, ...kinds.flatMap(targetsOf).flatMap((t) => (t.root ? [t.root] : []))]);
    const loader = writeLoader(scratch, [...roots]);
    for (const kind of kinds)
      for (let round = 0; round < rounds; round++)
        for (const target of targetsOf(kind)) {
          const result = await measure(kind, target, database.url, loader, options.seconds);
          results.push(result);
          console.log(line(result));
        }
  } finally {
    stopListening();
    await cleanup();
  }
  console.log(`\n${table(results)}`);
}

function parseKinds(raw: string | undefined): Kind[] {
  if (!raw) return [...KINDS];
  const kinds = raw.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`BENCH_SEQUENTIAL: unknown kind ${unknown.join(', ')} (known: ${KINDS.join(', ')})`);
  return kinds as Kind[];
}

interface Measured {
  /** What the report calls it. */
  name: string;
  kind: TargetKind;
  /** Another checkout whose app this is (`BENCH_CANDIDATE`). */
  root?: string;
}

/** The kind's floors, the app, and with `BENCH_CANDIDATE=<checkout>` that checkout's app, in turn. */
function targetsOf(kind: Kind): Measured[] {
  const candidate = process.env.BENCH_CANDIDATE;
  const floors = FLOORS[kind].map((floor) => ({ name: floor, kind: floor }));
  const apps: Measured[] = [
    { name: 'app', kind: 'app' },
    ...(candidate ? [{ name: 'app-candidate', kind: 'app' as const, root: resolve(candidate) }] : []),
  ];
  // The POST's peer posts as the user an app's run signed in, so the app goes first there.
  return kind === 'post' || kind === 'post-key' ? [...apps, ...floors] : [...floors, ...apps];
}

/** The user and session the last app run of a POST kind signed in (`sub`, `sid`), for the peer's requests. */
let poster: { user_id: string; session_id: string } | undefined;

async function measure(kind: Kind, measured: Measured, databaseUrl: string, loader: string, seconds: number) {
  const env = { ...benchEnvironment('info', databaseUrl), ...(kind === 'refusal' ? REFUSAL_ENV : {}) };
  const { name } = measured;
  const { target } = await startTarget(name, measured.kind, env, loader, measured.root);
  const stopHolding: (() => Promise<void>)[] = [];
  try {
    const request = await requestOf(kind, measured.kind, target);
    if (kind === 'refusal') stopHolding.push(holdThePool(target, measured.kind === 'app' ? request.email : undefined));
    for (let i = 0, n = warmUpOf(kind, seconds); i < n; i++) await request.send();
    const pid = target.child.pid!;
    // One-second windows. A refusal window in which a request was let through (it slipped into the gap between
    // two of the holder's hashings, and then hashed for seconds itself) is measured again: it measured a login.
    const spent = { cpu: zeroByRole(), system: 0, postgres: 0, wallMs: 0, requests: 0 };
    const statuses: Record<string, number> = {};
    let dropped = 0;
    while (spent.wallMs < seconds * 1000) {
      if (dropped > Math.max(10, 3 * seconds)) throw new Error(`${kind} on ${name}: too many windows let a login through`);
      const window = await measureWindow(pid, request);
      if (kind === 'refusal' && Object.keys(window.statuses).some((status) => status !== EXPECTED.refusal)) {
        dropped++;
        continue;
      }
      for (const role of THREAD_ROLES) spent.cpu[role] += window.cpu[role];
      spent.system += window.system;
      spent.postgres += window.postgres;
      spent.wallMs += window.wallMs;
      spent.requests += window.requests;
      for (const [status, n] of Object.entries(window.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
    }
    const { requests } = spent;
    const cpuMs = { system: spent.system / requests, postgres: spent.postgres / requests } as SequentialResult['cpuMs'];
    for (const role of THREAD_ROLES) cpuMs[role] = spent.cpu[role] / requests;
    const wallMs = spent.wallMs / requests;
    const unexpected = Object.keys(statuses).filter((status) => status !== EXPECTED[kind]);
    if (unexpected.length > 0)
      throw new Error(`${kind} on ${name} answered ${unexpected.join(', ')}, not only ${EXPECTED[kind]}`);
    return { kind, target: name, requests, statuses, droppedWindows: dropped, wallMs, cpuMs };
  } finally {
    for (const stop of stopHolding) await stop();
    await target.stop();
  }
}

const zeroByRole = (): Record<ThreadRole, number> => ({ main: 0, v8: 0, threadpool: 0, other: 0 });

/** One second of requests one after the other: what process `pid` (by thread role) and PostgreSQL spent meanwhile. */
async function measureWindow(pid: number, request: Request) {
  const threadsBefore = threadCpuMs(pid)!;
  const before = readCpu({ server: pid, generators: [] })!;
  const started = performance.now();
  const statuses: Record<string, number> = {};
  let requests = 0;
  while (performance.now() - started < 1000) {
    const status = await request.send();
    statuses[status] = (statuses[status] ?? 0) + 1;
    requests++;
  }
  const wallMs = performance.now() - started;
  const threadsAfter = threadCpuMs(pid)!;
  const { postgres } = cpuBetween(before, readCpu({ server: pid, generators: [] })!);
  const cpu = zeroByRole();
  let system = 0;
  for (const role of THREAD_ROLES) {
    const roleSystem = threadsAfter[role].system - threadsBefore[role].system;
    cpu[role] = threadsAfter[role].user - threadsBefore[role].user + roleSystem;
    system += roleSystem;
  }
  return { cpu, system, postgres, wallMs, requests, statuses };
}

interface Request {
  email: string;
  send(): Promise<number>;
}

async function requestOf(kind: Kind, name: TargetKind, target: Target): Promise<Request> {
  const email = `bench.sequential.${randomBytes(4).toString('hex')}@example.com`;
  const post = (path: string, body: unknown, token?: string, key?: string) =>
    fetch(target.url(path), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    });
  const signedIn = async () => {
    const login = await post('/api/v1/auth/token', { email, password: PASSWORD });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const { userId, sessionId } = claimsOf(token);
    poster = { user_id: userId, session_id: sessionId };
    return token;
  };
  const status = async (response: Promise<Response>) => {
    const r = await response;
    await r.arrayBuffer();
    return r.status;
  };
  if (name === 'app' && kind !== 'probe') await status(post('/api/v1/auth/register', { email, password: PASSWORD }));
  switch (kind) {
    case 'login':
      return { email, send: () => status(post('/api/v1/auth/token', { email, password: PASSWORD })) };
    case 'refusal':
      // A wrong password: a login let through by chance (the pool free for a moment) fails instead of holding it.
      return { email, send: () => status(post('/api/v1/auth/token', { email, password: 'not-the-password' })) };
    case 'probe':
      // The bare Nest peer answers the probe's body and headers at its root.
      return { email, send: () => status(fetch(target.url(name === 'app' ? '/health/live' : '/'))) };
    case 'item': {
      const token = await signedIn();
      const created = await post('/api/v1/projects', { name: 'Sequential bench' }, token);
      const { id } = (await created.json()) as { id: string };
      const headers = { authorization: `Bearer ${token}` };
      return { email, send: () => status(fetch(target.url(`/api/v1/projects/${id}`), { headers })) };
    }
    case 'post':
    case 'post-key': {
      let n = 0;
      const key = () => (kind === 'post-key' ? `sequential-${email}-${n++}` : undefined);
      if (name === 'app') {
        const token = await signedIn();
        return { email, send: () => status(post('/api/v1/projects', { name: 'Sequential bench' }, token, key())) };
      }
      if (!poster) throw new Error(`${kind} on ${name}: no app run signed a user in before it`);
      const path = `/projects?${new URLSearchParams(poster).toString()}`;
      return { email, send: () => status(post(path, { name: 'Sequential bench' }, undefined, key())) };
    }
  }
}

/** Keeps one correct login hashing at all times (the pool of one full); returns what stops it. */
function holdThePool(target: Target, email: string | undefined): () => Promise<void> {
  let holding = true;
  const body = JSON.stringify({ email: email ?? 'holder@example.com', password: PASSWORD });
  const loop = (async () => {
    while (holding) {
      const r = await fetch(target.url('/api/v1/auth/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).catch(() => undefined);
      await r?.arrayBuffer();
    }
  })();
  return async () => {
    holding = false;
    await loop;
  };
}

const ms = (value: number) => (value < 1 ? value.toFixed(3) : value.toFixed(2));

function line(r: SequentialResult): string {
  const statuses = Object.entries(r.statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  const cpu = THREAD_ROLES.map((role) => `${role} ${ms(r.cpuMs[role])}`).join(', ');
  return `${r.kind} on ${r.target}: ${r.requests} requests (${statuses}${r.droppedWindows ? `; ${r.droppedWindows} windows measured again` : ''}), per request wall ${ms(r.wallMs)} ms; CPU ms ${cpu}, PostgreSQL ${ms(r.cpuMs.postgres)}`;
}

/** One row per run: the CPU of one request by thread role, its system share, PostgreSQL's, and the wall time. */
export function table(results: SequentialResult[]): string {
  const rows = results.map((r) => {
    const all = THREAD_ROLES.reduce((sum, role) => sum + r.cpuMs[role], 0);
    return `| ${r.kind} | ${r.target} | ${r.requests} | ${THREAD_ROLES.map((role) => ms(r.cpuMs[role])).join(' | ')} | ${ms(all)} | ${ms(r.cpuMs.system)} | ${ms(r.cpuMs.postgres)} | ${ms(r.wallMs)} |`;
  });
  return [
    '| kind | target | requests | main thread | V8 workers | threadpool | other threads | process | of it system | PostgreSQL | wall |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}
