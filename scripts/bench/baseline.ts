/**
 * Benchmark `baseline` (what `npm run bench` runs without a scenario): HTTP load with autocannon
 * against the real app on real PostgreSQL, and in the same run against peers on the same
 * machine with the same client settings, then `bench/report.json` and `bench/report.md`.
 *
 *   npm run bench                                   full baseline, 5 s per scenario, 10 connections
 *   npm run bench -- --smoke                        1 s per scenario: only checks that nothing errors
 *   npm run bench -- baseline [--seconds N] [--connections N] [--only hello,reads,...] [--profile]
 *
 * Every server, and the load generator itself, runs in its own child process
 * (./baseline/targets.ts, ./baseline/app-target.ts); the parent only orchestrates. Each
 * group's scenarios run interleaved in short slices (order reversed every round) after a
 * warm-up, so that load from elsewhere on the machine hits a scenario and its peer alike.
 *
 * Environment knobs: BENCH_LOG_LEVEL (default info, the production default: every API request
 * writes its access line, to /dev/null); BENCH_APP_STDOUT=<file> keeps the apps' log lines;
 * BENCH_WARM_SECONDS (default 5) per app scenario; BENCH_CANDIDATE=<another checkout> also
 * measures that checkout's app on liveness, item GET and list, in the same interleaved
 * slices (how the optimisations in docs/performance.md were measured). ARGON2_* and the other
 * app settings pass through to every app process.
 *
 * Database: a throw-away `bastion_bench_<random>` on the `DATABASE_URL` server, or on the
 * embedded PostgreSQL (`EMBEDDED_PG_DIR`) without it; dropped at the end. Redis for the
 * throttler scenario: `BENCH_REDIS_URL`, else `REDIS_URL`, else redis://127.0.0.1:6379, with a
 * unique key prefix whose keys are deleted at the end. Exit status 1 when any scenario saw
 * errors or statuses it should not answer with (never because of timings).
 */
import 'reflect-metadata';
import { deepStrictEqual } from 'node:assert/strict';
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { type Environment, loadEnvironment } from '../../src/platform/config';
import { startEmbeddedPostgres } from '../../src/platform/database/embedded-postgres';
import { formatProfile, summarizeProfile } from './baseline/profile';
import { emptySample, type Load, mergeInto, type Sample, sleep, summarize } from './baseline/load';
import { type Comparison, renderMarkdown, type Report, type ScenarioResult } from './baseline/report';
import type { FromTarget, TargetKind, ToTarget } from './baseline/targets';

interface Options {
  seconds: number;
  concurrency: number;
}

const GROUPS = ['hello', 'reads', 'writes', 'throttler', 'login', 'flood'] as const;
type GroupId = (typeof GROUPS)[number];

interface Settings {
  seconds: number;
  connections: number;
  smoke: boolean;
  only: GroupId[];
  profile: boolean;
  outDir: string;
  logLevel: string;
}

const PASSWORD = 'benchmark-passphrase-Vq8#2026';
const MANY = '1000000/1m';
/** A target's entry file; `root` is another checkout (BENCH_CANDIDATE) whose app is measured too. */
const targetFile = (kind: TargetKind, root = resolve(__dirname, '..', '..')) =>
  join(root, 'scripts', 'bench', 'baseline', kind === 'app' ? 'app-target.ts' : 'targets.ts');

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function readSettings(options: Options): Settings {
  const smoke = process.argv.includes('--smoke');
  const explicitSeconds = argValue('seconds') !== undefined;
  const connections = Number(argValue('connections') ?? argValue('concurrency') ?? 10);
  if (!Number.isInteger(connections) || connections < 1) throw new Error('--connections must be a positive integer');
  const only = (argValue('only') ?? GROUPS.join(',')).split(',').map((g) => g.trim());
  for (const g of only)
    if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`--only: unknown group "${g}" (${GROUPS.join(', ')})`);
  return {
    seconds: smoke && !explicitSeconds ? 1 : options.seconds,
    connections,
    smoke,
    only: only as GroupId[],
    profile: process.argv.includes('--profile'),
    outDir: resolve(__dirname, '..', '..', 'bench'),
    // The production default: every API request writes its access-log line (to /dev/null here).
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

class Target {
  private exited = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly port: number | undefined,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Sends `message` and resolves with the first reply `accept` takes. */
  ask<T extends FromTarget>(message: ToTarget, accept: (m: FromTarget) => m is T, timeoutMs = 120_000): Promise<T> {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => done(new Error(`${this.name}: no answer to ${message.type} in ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: FromTarget) => {
        if (accept(m)) done(undefined, m);
      };
      const onExit = () => done(new Error(`${this.name} exited while answering ${message.type}`));
      const done = (error?: Error, value?: T) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolvePromise(value as T);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.send({ type: 'stop' } satisfies ToTarget);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * A `.ts` require hook for the target processes: `typescript.transpileModule` with the
 * project's compiler options (what `ts-node -T` does), written to a temporary file. Not
 * ts-node itself: its `register` loads `node:repl` and with it `node:domain`, which wraps
 * every `EventEmitter` emit and init in the whole process; production (`node dist/...`) runs
 * without it, and so must the processes measured here and the load generator.
 */
function writeLoader(dir: string): string {
  const tsconfig = resolve(__dirname, '..', '..', 'tsconfig.json');
  const file = join(dir, 'ts-loader.js');
  writeFileSync(
    file,
    `'use strict';
const fs = require('node:fs');
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const { config } = ts.readConfigFile(${JSON.stringify(tsconfig)}, ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ${JSON.stringify(dirname(tsconfig))});
const compilerOptions = { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, declaration: false };
delete compilerOptions.moduleResolution;
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  module._compile(ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText, filename);
};
`,
  );
  return file;
}

async function startTarget(
  name: string,
  kind: TargetKind,
  env: NodeJS.ProcessEnv,
  loader: string,
  root?: string,
): Promise<{ target: Target; ready: Extract<FromTarget, { type: 'ready' }> }> {
  // BENCH_APP_STDOUT=<file>: keep the apps' log lines (else they go to /dev/null, as a
  // production log shipper would take them off the process without back-pressure).
  const stdout = kind === 'app' && process.env.BENCH_APP_STDOUT ? openSync(process.env.BENCH_APP_STDOUT, 'a') : 'ignore';
  const child = fork(targetFile(kind, root), [kind], {
    env,
    execArgv: ['-r', loader],
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const ready = await new Promise<Extract<FromTarget, { type: 'ready' }>>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 180 s`)), 180_000);
    child.on('message', (m: FromTarget) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolvePromise(m);
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${name} failed to start: ${m.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} while starting`));
    });
  });
  return { target: new Target(name, child, ready.port), ready };
}

// ---------------------------------------------------------------------------------------------
// Database and Redis

interface BenchDatabase {
  url: string;
  label: string;
  version: string;
  drop(): Promise<void>;
}

function assertBenchName(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name) || !name.includes('bench')) throw new Error(`refusing to touch database "${name}"`);
}

async function onServer<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database on the DATABASE_URL server, or on the embedded PostgreSQL without it. */
async function createBenchDatabase(env: Environment): Promise<BenchDatabase> {
  const embedded = env.databaseUrl ? undefined : await startEmbeddedPostgres(env.embeddedPgDir, { port: env.embeddedPgPort });
  const serverUrl = env.databaseUrl ?? embedded!.url;
  const name = `bastion_bench_${randomBytes(5).toString('hex')}`;
  assertBenchName(name);
  const version = await onServer(serverUrl, async (c) => {
    await c.query(`CREATE DATABASE "${name}"`);
    return (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    label: `${embedded ? `embedded PostgreSQL (${embedded.dataDir})` : `DATABASE_URL server ${url.hostname}:${url.port || 5432}`}, database ${name}`,
    version,
    drop: async () => {
      assertBenchName(name);
      await onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      if (embedded?.owned) await embedded.stop();
    },
  };
}

interface BenchRedis {
  url: string;
  prefix: string;
  version?: string;
  unavailable?: string;
}

async function probeRedis(url: string, prefix: string): Promise<BenchRedis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1500, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server');
    return { url, prefix, version: /redis_version:(\S+)/.exec(info)?.[1] };
  } catch (error) {
    return { url, prefix, unavailable: `Redis at ${url} does not answer (${(error as Error).message})` };
  } finally {
    client.disconnect();
  }
}

/** Keys under `prefix`; with `remove`, deletes them too. */
async function redisKeys(url: string, prefix: string, remove: boolean): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 1500 });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
      if (remove && keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
    return count;
  } finally {
    client.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers for seeding and sanity checks

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function expectStatus(what: string, answer: Answer, status: number): Answer {
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Member {
  id: string;
  title: string;
  server: string;
  connections: number;
  expected: string[];
  run(seconds: number): Promise<Sample>;
  skipped?: string;
}

interface Group {
  id: GroupId;
  /** Length of one interleaved slice, seconds (the total per scenario stays `--seconds`). */
  slice: number;
  /** Pause after every slice so the server finishes the work still in flight. */
  settleMs: number;
  members: Member[];
}

/** Runs `load` for `seconds` from the load-generator process. */
async function fire(client: Target, load: Load, seconds: number): Promise<Sample> {
  const answer = await client.ask(
    { type: 'fire', load, seconds },
    (m): m is Extract<FromTarget, { type: 'fired' }> => m.type === 'fired',
    (seconds + 60) * 1000,
  );
  if (!answer.sample) throw new Error(`load generator: ${answer.error}`);
  return answer.sample;
}

function httpMember(
  client: Target,
  id: string,
  title: string,
  server: string,
  load: Load,
  expected: string[],
  skipped?: string,
): Member {
  return { id, title, server, connections: load.connections, expected, run: (seconds) => fire(client, load, seconds), skipped };
}

function unexpectedOf(statuses: Record<string, number>, expected: string[]): Record<string, number> {
  return Object.fromEntries(Object.entries(statuses).filter(([code]) => !expected.includes(code)));
}

export async function benchBaseline(options: Options): Promise<void> {
  const settings = readSettings(options);
  const started = performance.now();
  const loadStart = loadavg();
  const run = randomBytes(4).toString('hex');
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch((e: unknown) => console.error('cleanup:', e));
  };
  const onSignal = () => {
    console.error('interrupted: stopping the targets and dropping the bench database');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const log = (m: string) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${m}`);
    const database = await createBenchDatabase(loadEnvironment());
    cleanups.push(() => database.drop());
    log(`database: ${database.label} (PostgreSQL ${database.version})`);

    const candidate = process.env.BENCH_CANDIDATE;
    const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const redis = await probeRedis(redisUrl, `bastion-bench-${run}:`);
    if (redis.unavailable) log(`Redis: ${redis.unavailable}: the Redis throttler scenario is skipped`);
    else cleanups.push(async () => void (await redisKeys(redis.url, redis.prefix, true)));

    // What every target process gets: the app's configuration for a benchmark.
    const baseEnv: NodeJS.ProcessEnv = {
      ...process.env,
      APP_ENV: 'test',
      LOG_LEVEL: settings.logLevel,
      DATABASE_URL: database.url,
      DB_MIGRATE_ON_START: 'true',
      REDIS_URL: '',
      JWT_SECRET: randomBytes(64).toString('base64url'),
      JWT_ACCESS_TTL: '6h',
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_IP: MANY,
      RATE_LIMIT_USER: MANY,
      RATE_LIMIT_TOKEN: MANY,
      RATE_LIMIT_REGISTER: MANY,
      RATE_LIMIT_REFRESH: MANY,
      // The failed-login throttle takes a point per attempt *before* the password check and gives
      // it back on success, so more than 5 concurrent logins of one account get 429 even with
      // the right password. It still runs (and costs what it costs); it just never refuses here.
      LOGIN_FAILURES_PER_IDENTITY: MANY,
      LOGIN_FAILURES_PER_IP: MANY,
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    };
    const appEnv = loadEnvironment(baseEnv);
    const { maxConcurrency, maxQueue } = appEnv.auth.argon2;
    const loginConnections = Math.min(settings.connections, maxConcurrency + maxQueue);
    const verifyConcurrency = Math.min(loginConnections, maxConcurrency);
    const floodConnections = 2 * (maxConcurrency + maxQueue);

    const scratch = mkdtempSync(join(tmpdir(), 'bastion-bench-'));
    cleanups.push(() => Promise.resolve(rmSync(scratch, { recursive: true, force: true })));
    const loader = writeLoader(scratch);
    const targets: Record<string, Target> = {};
    const readies: Record<string, Extract<FromTarget, { type: 'ready' }>> = {};
    const start = async (name: string, kind: TargetKind, env: NodeJS.ProcessEnv = baseEnv, root?: string) => {
      const { target, ready } = await startTarget(name, kind, env, loader, root);
      targets[name] = target;
      readies[name] = ready;
      cleanups.push(() => target.stop());
      log(`started ${name}${target.port ? ` on port ${target.port}` : ''}`);
      return ready;
    };
    // The first app migrates the fresh database; the others then start side by side.
    await start('app', 'app');
    const starting = await Promise.allSettled([
      start('app-unthrottled', 'app', { ...baseEnv, RATE_LIMIT_ENABLED: 'false' }),
      // The throttler comparison uses three processes with the same history (the first app has
      // served every earlier group, and a JIT that warm would skew the ratio in its favour).
      start('app-memory', 'app'),
      redis.unavailable
        ? undefined
        : start('app-redis', 'app', { ...baseEnv, REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix }),
      start('node-http', 'node-http'),
      start('fastify', 'fastify'),
      start('nest', 'nest'),
      start('fastify-pg', 'fastify-pg'),
      start('argon2', 'argon2'),
      start('client', 'client'),
      start('flood', 'flood'),
      // BENCH_CANDIDATE=<another checkout>: its app (same database, same settings) is measured
      // next to this one on liveness, item GET and list, to see what a change buys.
      candidate ? start('app-candidate', 'app', baseEnv, resolve(candidate)) : undefined,
    ]);
    for (const outcome of starting) if (outcome.status === 'rejected') throw outcome.reason;
    const argon2Ready = readies.argon2;

    // ---- Seed through the API, and check that every path answers what it should.
    const app = targets.app.url('');
    const emails = {
      reader: `bench.reader.${run}@example.com`,
      writer: `bench.writer.${run}@example.com`,
      login: `bench.login.${run}@example.com`,
    };
    const tokens: Record<string, string> = {};
    for (const [role, email] of Object.entries(emails)) {
      expectStatus(
        `register ${role}`,
        await call(app, 'POST', '/api/v1/auth/register', { body: { email, password: PASSWORD } }),
        201,
      );
      const login = expectStatus(
        `login ${role}`,
        await call(app, 'POST', '/api/v1/auth/token', { body: { email, password: PASSWORD } }),
        200,
      );
      tokens[role] = (JSON.parse(login.text) as { access_token: string }).access_token;
    }
    let item: { id: string; owner_id: string } | undefined;
    for (let i = 0; i < 40; i++) {
      const created = await call(app, 'POST', '/api/v1/projects', {
        token: tokens.reader,
        body: { name: `Bench project ${i}`, description: `Seeded by the performance baseline (${i} of 40)` },
      });
      item ??= JSON.parse(expectStatus('seed project', created, 201).text) as { id: string; owner_id: string };
    }
    if (!item) throw new Error('no project was seeded');
    const itemPath = `/api/v1/projects/${item.id}`;
    const read = expectStatus('item GET', await call(app, 'GET', itemPath, { token: tokens.reader }), 200);
    const etag = read.headers.get('etag');
    if (!etag) throw new Error('item GET sent no ETag');
    if (!read.headers.get('x-ratelimit-limit')) throw new Error('item GET on the throttled app sent no X-RateLimit-Limit');
    expectStatus(
      'conditional GET',
      await call(app, 'GET', itemPath, { token: tokens.reader, headers: { 'if-none-match': etag } }),
      304,
    );
    const list = expectStatus('list', await call(app, 'GET', '/api/v1/projects?page_size=20', { token: tokens.reader }), 200);
    const page = JSON.parse(list.text) as { items: unknown[]; total: number };
    if (page.items.length !== 20 || page.total !== 40)
      throw new Error(`list: expected 20 of 40 items, got ${page.items.length} of ${page.total}`);
    const peerItem = expectStatus('peer item', await call(targets['fastify-pg'].url(''), 'GET', `/projects/${item.id}`), 200);
    deepStrictEqual(JSON.parse(peerItem.text), JSON.parse(read.text), 'the fastify-pg peer must return the same project');
    const peerList = expectStatus(
      'peer list',
      await call(targets['fastify-pg'].url(''), 'GET', `/projects?owner_id=${item.owner_id}`),
      200,
    );
    deepStrictEqual(JSON.parse(peerList.text), page, 'the fastify-pg peer must return the same page');
    const postBody = JSON.stringify({ name: 'Bench write' });
    const replayKey = `bench-${run}-replayed`;
    const postHeaders = { 'content-type': 'application/json', authorization: `Bearer ${tokens.writer}` };
    const first = await call(app, 'POST', '/api/v1/projects', {
      token: tokens.writer,
      body: { name: 'Bench write' },
      headers: { 'idempotency-key': replayKey },
    });
    expectStatus('first keyed POST', first, 201);
    const again = await call(app, 'POST', '/api/v1/projects', {
      token: tokens.writer,
      body: { name: 'Bench write' },
      headers: { 'idempotency-key': replayKey },
    });
    if (expectStatus('replayed POST', again, 201).headers.get('idempotent-replayed') !== 'true') {
      throw new Error('the replayed POST was not answered from the stored response');
    }
    const unthrottled = expectStatus(
      'unthrottled GET',
      await call(targets['app-unthrottled'].url(''), 'GET', itemPath, { token: tokens.reader }),
      200,
    );
    if (unthrottled.headers.get('x-ratelimit-limit')) throw new Error('RATE_LIMIT_ENABLED=false still sent rate-limit headers');
    if (targets['app-redis']) {
      const viaRedis = expectStatus(
        'Redis GET',
        await call(targets['app-redis'].url(''), 'GET', itemPath, { token: tokens.reader }),
        200,
      );
      if (!viaRedis.headers.get('x-ratelimit-limit')) throw new Error('the Redis-backed app sent no X-RateLimit-Limit');
    }
    log('seeded: 3 users, 40 projects; every path answered as expected');

    // ---- The scenarios.
    const c = settings.connections;
    const bearer = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
    const itemLoad = (target: Target): Load => ({ url: target.url(itemPath), headers: bearer('reader'), connections: c });
    const health: Load = { url: targets.app.url('/health/live'), connections: c };
    const loginLoad = (connections: number): Load => ({
      url: targets.app.url('/api/v1/auth/token'),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: emails.login, password: PASSWORD }),
      connections,
    });
    const floodTotals: NonNullable<Report['flood']> = { connections: floodConnections, statuses: {}, errors: 0 };

    const groups: Group[] = [
      {
        id: 'hello',
        slice: 1,
        settleMs: 100,
        members: [
          httpMember(
            targets.client,
            'node-hello',
            'node:http hello',
            'node:http',
            { url: targets['node-http'].url('/'), connections: c },
            ['200'],
          ),
          httpMember(
            targets.client,
            'fastify-hello',
            'Fastify hello',
            'fastify',
            { url: targets.fastify.url('/'), connections: c },
            ['200'],
          ),
          httpMember(
            targets.client,
            'nest-hello',
            'NestJS on Fastify hello',
            'nest',
            { url: targets.nest.url('/'), connections: c },
            ['200'],
          ),
          httpMember(targets.client, 'health', 'GET /health/live', 'app', health, ['200']),
        ],
      },
      {
        id: 'reads',
        slice: 1,
        settleMs: 100,
        members: [
          httpMember(
            targets.client,
            'pg-item',
            'Fastify + pg item',
            'fastify-pg',
            { url: targets['fastify-pg'].url(`/projects/${item.id}`), connections: c },
            ['200'],
          ),
          httpMember(targets.client, 'item', 'GET /projects/{id}', 'app', itemLoad(targets.app), ['200']),
          httpMember(
            targets.client,
            'item-304',
            'GET /projects/{id} → 304',
            'app',
            { ...itemLoad(targets.app), headers: { ...bearer('reader'), 'if-none-match': etag } },
            ['304'],
          ),
          httpMember(
            targets.client,
            'replay',
            'POST /projects, replayed key',
            'app',
            {
              url: targets.app.url('/api/v1/projects'),
              method: 'POST',
              headers: { ...postHeaders, 'idempotency-key': replayKey },
              body: postBody,
              connections: c,
            },
            ['201'],
          ),
          httpMember(
            targets.client,
            'pg-list',
            'Fastify + pg list (20)',
            'fastify-pg',
            { url: targets['fastify-pg'].url(`/projects?owner_id=${item.owner_id}`), connections: c },
            ['200'],
          ),
          httpMember(
            targets.client,
            'list',
            'GET /projects?page_size=20',
            'app',
            { url: targets.app.url('/api/v1/projects?page_size=20'), headers: bearer('reader'), connections: c },
            ['200'],
          ),
        ],
      },
      {
        id: 'writes',
        slice: 1,
        settleMs: 200,
        members: [
          httpMember(
            targets.client,
            'post',
            'POST /projects, no key',
            'app',
            { url: targets.app.url('/api/v1/projects'), method: 'POST', headers: postHeaders, body: postBody, connections: c },
            ['201'],
          ),
          httpMember(
            targets.client,
            'post-key',
            'POST /projects, new key',
            'app',
            {
              url: targets.app.url('/api/v1/projects'),
              method: 'POST',
              headers: { ...postHeaders, 'idempotency-key': `bench-${run}-[<id>]` },
              body: postBody,
              idReplacement: true,
              connections: c,
            },
            ['201'],
          ),
        ],
      },
      {
        id: 'throttler',
        slice: 1,
        settleMs: 100,
        members: [
          httpMember(
            targets.client,
            'item-unthrottled',
            'item GET, throttler off',
            'app (RATE_LIMIT_ENABLED=false)',
            itemLoad(targets['app-unthrottled']),
            ['200'],
          ),
          httpMember(
            targets.client,
            'item-memory',
            'item GET, throttler in memory',
            'app (memory store)',
            itemLoad(targets['app-memory']),
            ['200'],
          ),
          targets['app-redis']
            ? httpMember(
                targets.client,
                'item-redis',
                'item GET, throttler on Redis',
                'app (REDIS_URL)',
                itemLoad(targets['app-redis']),
                ['200'],
              )
            : httpMember(
                targets.client,
                'item-redis',
                'item GET, throttler on Redis',
                'app (REDIS_URL)',
                itemLoad(targets.app),
                ['200'],
                redis.unavailable,
              ),
        ],
      },
      {
        id: 'login',
        slice: 2.5,
        settleMs: 1000,
        members: [
          {
            id: 'argon2-verify',
            title: 'raw argon2id verify',
            server: 'argon2 (own process)',
            connections: verifyConcurrency,
            expected: ['verified'],
            run: async (seconds) => {
              const answer = await targets.argon2.ask(
                { type: 'verify', ms: seconds * 1000, concurrency: verifyConcurrency },
                (m): m is Extract<FromTarget, { type: 'verified' }> => m.type === 'verified',
              );
              return {
                latencies: answer.latencies,
                statuses: {
                  verified: answer.latencies.length - answer.failures,
                  ...(answer.failures ? { failed: answer.failures } : {}),
                },
                errors: 0,
                timeouts: 0,
                elapsedMs: answer.elapsedMs,
              };
            },
          },
          httpMember(targets.client, 'login', 'POST /auth/token (login)', 'app', loginLoad(loginConnections), ['200']),
        ],
      },
      {
        id: 'flood',
        slice: 2.5,
        settleMs: 1500,
        members: [
          httpMember(targets.client, 'health-idle', 'GET /health/live, idle app', 'app', health, ['200']),
          {
            id: 'health-flood',
            title: 'GET /health/live, login flood',
            server: 'app',
            connections: c,
            expected: ['200'],
            run: async (seconds) => {
              const stopped = targets.flood.ask(
                { type: 'flood-start', ...loginLoad(floodConnections), body: loginLoad(0).body! },
                (m): m is Extract<FromTarget, { type: 'flood-stopped' }> => m.type === 'flood-stopped',
                (seconds + 60) * 1000,
              );
              await sleep(1000); // let the flood fill the argon2 pool and its queue
              const sample = await fire(targets.client, health, seconds);
              targets.flood.child.send({ type: 'flood-stop' } satisfies ToTarget);
              const result = await stopped;
              for (const [code, n] of Object.entries(result.statuses))
                floodTotals.statuses[code] = (floodTotals.statuses[code] ?? 0) + n;
              floodTotals.errors += result.errors;
              return sample;
            },
          },
        ],
      },
    ];

    const alt = targets['app-candidate'];
    if (alt) {
      const [hello, reads] = groups;
      hello.members.push(
        httpMember(
          targets.client,
          'health-candidate',
          'GET /health/live (candidate)',
          'candidate app',
          { ...health, url: alt.url('/health/live') },
          ['200'],
        ),
      );
      reads.members.push(
        httpMember(targets.client, 'item-candidate', 'GET /projects/{id} (candidate)', 'candidate app', itemLoad(alt), ['200']),
        httpMember(
          targets.client,
          'list-candidate',
          'GET /projects?page_size=20 (candidate)',
          'candidate app',
          { url: alt.url('/api/v1/projects?page_size=20'), headers: bearer('reader'), connections: c },
          ['200'],
        ),
      );
    }

    // ---- Run: warm-up, then interleaved slices.
    const samples = new Map<string, Sample>();
    const problems: string[] = [];
    const apps = ['app', 'app-unthrottled', 'app-memory', 'app-redis', 'app-candidate'].filter((name) => targets[name]);
    const profiles: string[] = [];
    // Each process must be warm on every path it serves before it is measured: a fresh app
    // process needs some 10k requests (measured: ~600 req/s on the item GET after 2.5 s of
    // warm-up, ~1,100 after 15 s) to reach its steady state; the peers are warm within a second.
    const appWarm = Number(process.env.BENCH_WARM_SECONDS ?? 5);
    const warmSeconds = (m: Member) =>
      settings.smoke ? 0.25 : m.server.startsWith('app') || m.server.startsWith('candidate') ? appWarm : 1;
    for (const group of groups) {
      if (!settings.only.includes(group.id)) continue;
      const active = group.members.filter((m) => !m.skipped);
      const rounds = Math.max(1, Math.round(settings.seconds / group.slice));
      const slice = settings.seconds / rounds;
      log(`${group.id}: ${active.map((m) => m.id).join(', ')}; ${rounds} × ${slice.toFixed(2)} s each`);
      for (const member of active) {
        if (member.id === 'health-flood') continue;
        await member.run(warmSeconds(member));
        await sleep(group.settleMs);
      }
      const profiled = apps.filter((name) => group.id === 'throttler' || name === 'app' || name === 'app-candidate');
      if (settings.profile) for (const name of profiled) targets[name].child.send({ type: 'profile-start' } satisfies ToTarget);
      for (let round = 0; round < rounds; round++) {
        for (const member of round % 2 === 0 ? active : [...active].reverse()) {
          const sample = samples.get(member.id) ?? emptySample();
          mergeInto(sample, await member.run(slice));
          samples.set(member.id, sample);
          await sleep(group.settleMs);
        }
      }
      if (settings.profile) {
        for (const name of profiled) {
          const file = join(settings.outDir, 'profiles', `${group.id}-${name}.cpuprofile`);
          await targets[name].ask(
            { type: 'profile-stop', file },
            (m): m is Extract<FromTarget, { type: 'profiled' }> => m.type === 'profiled',
          );
          profiles.push(file);
        }
      }
      // Right away: the counters expire one window (60 s) after their first hit.
      if (group.id === 'throttler' && targets['app-redis'] && (await redisKeys(redis.url, redis.prefix, false)) === 0) {
        problems.push('item-redis: no rate-limit key reached Redis (the app fell back to its in-memory insurance limiter)');
      }
    }

    // ---- Results.
    const flood = Object.keys(floodTotals.statuses).length > 0 ? floodTotals : undefined;
    const scenarios: ScenarioResult[] = [];
    for (const group of groups) {
      if (!settings.only.includes(group.id)) continue;
      for (const m of group.members) {
        const base = {
          id: m.id,
          group: group.id,
          title: m.title,
          server: m.server,
          connections: m.connections,
          expected: m.expected,
        };
        if (m.skipped) {
          scenarios.push({ ...base, unexpected: {}, skipped: m.skipped });
          continue;
        }
        const summary = summarize(samples.get(m.id) ?? emptySample());
        const unexpected = unexpectedOf(summary.statuses, m.expected);
        scenarios.push({ ...base, ...summary, unexpected });
        if (summary.requests === 0) problems.push(`${m.id}: no response at all`);
        if (summary.errors + summary.timeouts > 0)
          problems.push(`${m.id}: ${summary.errors} connection errors, ${summary.timeouts} timeouts`);
        if (Object.keys(unexpected).length > 0) problems.push(`${m.id}: unexpected statuses ${JSON.stringify(unexpected)}`);
      }
    }
    if (flood) {
      const odd = unexpectedOf(flood.statuses, ['200', '503']);
      if (Object.keys(odd).length > 0 || flood.errors > 0) {
        problems.push(
          `login flood: unexpected statuses ${JSON.stringify(odd)}, ${flood.errors} errors (only 200 and 503 server_busy are expected)`,
        );
      }
    }

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
    const comparisons = [
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

    let gitSha = 'unknown';
    try {
      gitSha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      // not a git checkout
    }
    const report: Report = {
      generated_at: new Date().toISOString(),
      smoke: settings.smoke,
      git_sha: gitSha,
      machine: {
        cpu: cpus()[0]?.model.trim() ?? 'unknown',
        cores: availableParallelism(),
        memory_gib: Math.round(totalmem() / 2 ** 30),
        os: `${type()} ${release()}`,
        node: process.version,
        load_average_start: loadStart,
        load_average_end: loadavg(),
      },
      settings: {
        seconds_per_scenario: settings.seconds,
        connections: settings.connections,
        groups: settings.only,
        log_level: settings.logLevel,
        database: `${database.label}, PostgreSQL ${database.version}`,
        db_pool_size: appEnv.dbPoolSize,
        redis: redis.unavailable ? `unavailable: ${redis.unavailable}` : `${redis.url} (Redis ${redis.version ?? '?'})`,
        argon2: { ...argon2Ready.argon2, max_concurrency: maxConcurrency, max_queue: maxQueue },
        uv_threadpool_size: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
        login_connections: loginConnections,
        raw_verify_concurrency: verifyConcurrency,
        flood_connections: floodConnections,
      },
      scenarios,
      comparisons,
      flood,
      problems,
      duration_seconds: (performance.now() - started) / 1000,
    };
    mkdirSync(settings.outDir, { recursive: true });
    writeFileSync(join(settings.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    const markdown = renderMarkdown(report);
    writeFileSync(join(settings.outDir, 'report.md'), markdown);
    console.log(`\n${markdown}`);
    log(`wrote ${join(settings.outDir, 'report.json')} and report.md`);
    for (const file of profiles) console.log(`\n${formatProfile(relative(process.cwd(), file), summarizeProfile(file))}`);
    if (problems.length > 0) throw new Error(`the baseline saw ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
