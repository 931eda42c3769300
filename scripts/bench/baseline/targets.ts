/**
 * The processes the baseline measures, one per child process so that the load generator
 * (autocannon, in the parent) never shares an event loop with the server it measures:
 *
 *   app         Bastion itself: `createApp(loadEnvironment())` on a real port
 *   node-http   bare `node:http` answering a small JSON hello
 *   fastify     bare Fastify answering the same hello
 *   nest        bare NestJS on Fastify answering the same hello: one controller, no hooks, guards,
 *               interceptors, pipes or middleware (what the framework itself costs)
 *   nest-headers the same bare NestJS, answering what the liveness probe answers: its body and
 *               every header the app sends with it (security headers, request id, `vary`), set in
 *               one `onRequest` hook: the floor of a liveness probe that must send those headers
 *   nest-platform the same, with the platform's per-request work at its cheapest: CORS, a metric,
 *               a global guard, a request context, the multipart parser (platform-floor.ts)
 *   fastify-pg  bare Fastify + `pg`: the exact SQL the project item GET and list run (the tenant
 *               transaction: begin, scope, query, commit), as the app's runtime role; and a
 *               project POST in that transaction, without and with an idempotency key (the
 *               atomic mode's claim and stored response riding with its START TRANSACTION and
 *               COMMIT): what the key costs the database alone; started with REDIS_URL, its item GET
 *               with `throttle=1` first counts the app's two rate-limit tiers on Redis and sends
 *               their headers (the Redis throttler's floor)
 *   login-floor bare Fastify + `pg` + argon2 with the app's pool: a login that is only its
 *               verification, its statements' round trips and HTTP, and the liveness probe with
 *               its headers; refusing in `onRequest` what the pool would refuse (login-floor.ts)
 *   argon2      raw `argon2.verify` loops with the app's parameters (same env, same threadpool)
 *   client      the load generator: autocannon runs here, not in the parent (which runs under
 *               ts-node), and answers with every response's status and latency
 *   flood       an autocannon login flood, started and stopped on request
 *
 * Started by `processes.ts` through `fork` (argv[2] is the kind; `app` runs from app-target.ts so
 * that the peers never load Nest or the app); speaks over IPC:
 * child → `{type:'ready', port?}` once serving; parent → `{type:'stop'}` to close and exit.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import * as argon2 from 'argon2';
import autocannon from 'autocannon';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { fastify, type FastifyReply, type FastifyRequest } from 'fastify';
import { Pool, type PoolClient } from 'pg';
import { listening, send, type ToTarget, untilStopped } from './ipc';
import { fire } from './load';
import { serveLoginFloor } from './login-floor';
import { serveNestPlatform } from './platform-floor';
import { probeBody, setProbeHeaders } from './probe-response';
import { sample } from '../sampling';
import { parseIdentityConfig } from '../../../src/contexts/identity';
import { claimStatements, completionStatements } from '../../../src/contexts/idempotency/testing';
import { parseEnvironment } from '../../../src/platform/config/environment';
import { prepareRuntimeRole, runtimeRoleOptions } from '../../../src/platform/database/runtime-role';
import { noteRateLimit, throttlerObservation } from '../../../src/platform/rate-limit/headers';
import { ThrottlerCounters } from '../../../src/platform/rate-limit/throttler-counters';

export type TargetKind =
  | 'app'
  | 'node-http'
  | 'fastify'
  | 'nest'
  | 'nest-headers'
  | 'nest-platform'
  | 'fastify-pg'
  | 'login-floor'
  | 'argon2'
  | 'client'
  | 'flood';

export type { FromTarget, ToTarget } from './ipc';

/** The hello both bare peers answer, the size of a small JSON object. */
const HELLO = JSON.stringify({ hello: 'world' });

/**
 * The statements the app sends for a tenant-owned read (`TenantScopes.run`, captured verbatim
 * from TypeORM's calls to `pg`): `START TRANSACTION`; the membership check that also reads what
 * the tenant's settings look at and makes the caller's personal tenant the transaction's
 * `app.tenant_id` (`TenancyStore.enterTenant`, no `X-Tenant-Id` header; `$1` the user id, `$2`
 * the session id); the query `scopedQuery` builds; `COMMIT`.
 */
export const BEGIN_SQL = 'START TRANSACTION';
export const COMMIT_SQL = 'COMMIT';
export const ROLLBACK_SQL = 'ROLLBACK';
export const TENANT_SCOPE_SQL =
  'SELECT t.id, t.slug, t.name, t.status, t.personal_owner_id, t.settings, t.quotas, t.created_at, t.updated_at, mb.role,\n' +
  '              EXISTS (SELECT 1 FROM user_mfa f WHERE f.user_id = $1 AND f.enabled_at IS NOT NULL) AS has_mfa,\n' +
  '              (SELECT s.created_at FROM user_sessions s WHERE s.id = $2::uuid) AS session_started_at,\n' +
  "              set_config('app.tenant_id', t.id::text, true) AS scope\n" +
  '       FROM tenants t JOIN memberships mb ON mb.tenant_id = t.id AND mb.user_id = $1\n' +
  '       WHERE t.personal_owner_id = $1';

/** The SQL TypeORM sends for `ProjectsService.get` (`findInTenant`: `$1` the tenant, `$2` the id), verbatim. */
export const PROJECT_BY_ID_SQL =
  'SELECT "r"."id" AS "r_id", "r"."tenant_id" AS "r_tenant_id", "r"."name" AS "r_name", ' +
  '"r"."description" AS "r_description", "r"."status" AS "r_status", "r"."owner_id" AS "r_owner_id", ' +
  '"r"."created_at" AS "r_created_at", "r"."updated_at" AS "r_updated_at" FROM "projects" "r" ' +
  'WHERE "r"."tenant_id" = $1 AND "r"."id" = $2';

/** The two statements `ProjectsService.list` sends (`listPage`: the page, then the count when the page is full; `$1` the tenant), verbatim. */
export const PROJECT_PAGE_SQL =
  'SELECT id, tenant_id, name, description, status, owner_id, created_at, updated_at FROM projects WHERE tenant_id = $1 ' +
  'ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3';
export const PROJECT_COUNT_SQL = 'SELECT count(*)::int AS total FROM projects WHERE tenant_id = $1';
/** A project insert as `ProjectsService.create` makes it (`$1` the tenant, `$2` the name, `$3` the owner). */
export const PROJECT_INSERT_SQL =
  `INSERT INTO projects (tenant_id, name, description, status, owner_id) VALUES ($1, $2, '', 'active', $3) ` +
  'RETURNING id, tenant_id, name, description, status, owner_id, created_at, updated_at';

/** Who the fastify-pg peer serves (query parameters): the user and session the app reads from the token (`sub`, `sid`). */
export interface Caller {
  user_id: string;
  session_id: string;
  /** `1`: prepare the statements the app prepares (see serveFastifyPg). */
  prepared?: string;
  /** `1` (item GET, a peer started with REDIS_URL): count the request against the app's two rate-limit tiers first. */
  throttle?: string;
}

/** The environment the app would see (same parser), without loading Nest into a peer. */
const environment = () => parseEnvironment(process.env);

async function serveNodeHttp(): Promise<void> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(HELLO) });
    res.end(HELLO);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  send({ type: 'ready', port: listening(server) });
  untilStopped(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

async function serveFastify(): Promise<void> {
  const app = fastify({ logger: false });
  app.get('/', () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  send({ type: 'ready', port: listening(app.server) });
  untilStopped(() => app.close());
}

/**
 * Bare NestJS on Fastify (Nest is loaded here only, so the other peers never load it); with
 * `probeResponse`, answering the liveness probe's body with every header the app sends with it.
 */
async function serveNest(probeResponse = false): Promise<void> {
  const { Controller, Get, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const started = Date.now();
  @Controller()
  class HelloController {
    @Get()
    hello(): object {
      return probeResponse ? probeBody(started) : { hello: 'world' };
    }
  }
  @Module({ controllers: [HelloController] })
  class HelloModule {}
  const app = await NestFactory.create<NestFastifyApplication>(HelloModule, new FastifyAdapter({ logger: false }), {
    logger: false,
  });
  if (probeResponse) {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (_request, reply, done) => {
        setProbeHeaders(reply);
        done();
      });
  }
  await app.listen(0, '127.0.0.1');
  send({ type: 'ready', port: listening(app.getHttpAdapter().getInstance().server) });
  untilStopped(() => app.close());
}

/**
 * Bare Fastify + `pg` with the app's pool size, connected as the app's runtime role (so that
 * row-level security applies to both sides): per request, on one client of the pool, the same
 * transaction the app runs — `START TRANSACTION`, the tenant scope statement for `user_id` and
 * `session_id` (query parameters: the app takes them from the bearer token), the item's
 * statement or the list's page + count statements with the tenant id the scope statement
 * returned, `COMMIT` — mapped to the same JSON the app returns. No auth, no ORM, no validation, no hooks: what the database
 * round trips cost on their own. With `prepared=1` it names (prepares) exactly the statements the app prepares — the
 * tenant scope and the list's page and count — so that both sides do the same database work and the ratio is what the
 * app adds; without, it sends every statement unnamed (the peer).
 */
async function serveFastifyPg(): Promise<void> {
  const env = environment();
  const url = env.databaseUrl;
  if (!url) throw new Error('the fastify-pg peer needs DATABASE_URL');
  // The app's decision (DatabaseRuntime.create): the runtime role, provisioned, or null when
  // the login cannot bypass row-level security anyway (a least-privilege login runs as itself).
  const role = env.dbRuntimeRole
    ? await prepareRuntimeRole(url, env.dbRuntimeRole.name, env.dbRuntimeRole.onlyForPrivilegedLogin)
    : null;
  const pool = new Pool({
    connectionString: url,
    max: env.dbPoolSize,
    application_name: 'bastion-bench-peer',
    ...(role ? runtimeRoleOptions(role) : {}),
  });
  const view = (r: Record<string, unknown>, prefix: string): Record<string, unknown> => ({
    id: r[`${prefix}id`],
    tenant_id: r[`${prefix}tenant_id`],
    name: r[`${prefix}name`],
    description: r[`${prefix}description`],
    status: r[`${prefix}status`],
    owner_id: r[`${prefix}owner_id`],
    created_at: (r[`${prefix}created_at`] as Date).toISOString(),
    updated_at: (r[`${prefix}updated_at`] as Date).toISOString(),
  });
  /**
   * A statement the app prepares (`preparedQuery`): unnamed by default (the peer: the same SQL, each statement
   * parsed and planned every time, as TypeORM sends it); named with `?prepared=1`, as the app sends it.
   */
  const prepared = (caller: Caller, name: string, text: string, values: unknown[]) =>
    caller.prepared ? { name: `peer_${name}`, text, values } : { text, values };
  /** `fn` in a transaction scoped to the caller's personal tenant (null: no such tenant), as `TenantScopes.run` does. */
  const inTenant = async <T>(caller: Caller, fn: (client: PoolClient, tenantId: string) => Promise<T>): Promise<T | null> => {
    const client = await pool.connect();
    try {
      await client.query(BEGIN_SQL);
      const scope = await client.query<{ id: string }>(
        prepared(caller, 'scope', TENANT_SCOPE_SQL, [caller.user_id, caller.session_id]),
      );
      const result = scope.rows.length === 0 ? null : await fn(client, scope.rows[0].id);
      await client.query(COMMIT_SQL);
      client.release();
      return result;
    } catch (error) {
      await client.query(ROLLBACK_SQL).catch(() => undefined);
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  };
  const throttle = env.redisUrl ? await redisTiers(env) : undefined;
  const app = fastify({ logger: false });
  app.get<{ Params: { id: string }; Querystring: Caller }>('/projects/:id', async (request, reply) => {
    if (request.query.throttle && throttle) await throttle(request, reply, request.query.user_id);
    const row = await inTenant(request.query, async (client, tenantId) => {
      const { rows } = await client.query<Record<string, unknown>>(PROJECT_BY_ID_SQL, [tenantId, request.params.id]);
      return rows[0] ?? null;
    });
    if (!row) return reply.code(404).send({ status: 404 });
    return view(row, 'r_');
  });
  app.get<{ Querystring: Caller }>('/projects', async (request, reply) => {
    const page = await inTenant(request.query, async (client, tenantId) => {
      const { rows } = await client.query<Record<string, unknown>>(
        prepared(request.query, 'page', PROJECT_PAGE_SQL, [tenantId, 20, 0]),
      );
      const total =
        rows.length < 20
          ? rows.length
          : (await client.query<{ total: number }>(prepared(request.query, 'count', PROJECT_COUNT_SQL, [tenantId]))).rows[0]
              .total;
      return { items: rows.map((r) => view(r, '')), total, page: 1, page_size: 20, pages: Math.ceil(total / 20) };
    });
    if (!page) return reply.code(404).send({ status: 404 });
    return page;
  });
  // The project POST, and with `Idempotency-Key` the statements of the atomic mode around it.
  const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
  app.post<{ Querystring: Caller; Body: { name: string } }>('/projects', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    const caller = request.query;
    const claimed = typeof key === 'string' ? { scopeHash: sha256(`${caller.user_id}:POST:/projects`), key } : null;
    const client = await pool.connect();
    try {
      await client.query(claimed ? `${BEGIN_SQL}; ${claimStatements(claimed)}` : BEGIN_SQL);
      const scope = await client.query<{ id: string }>(
        prepared(caller, 'scope', TENANT_SCOPE_SQL, [caller.user_id, caller.session_id]),
      );
      const { rows } = await client.query<Record<string, unknown>>(PROJECT_INSERT_SQL, [
        scope.rows[0].id,
        request.body.name,
        caller.user_id,
      ]);
      const body = JSON.stringify(view(rows[0], ''));
      const now = new Date();
      const completion = claimed
        ? completionStatements({
            ...claimed,
            fingerprint: sha256(JSON.stringify(request.body)),
            status: 201,
            headers: { 'content-type': 'application/json; charset=utf-8' },
            body,
            now,
            expiresAt: new Date(now.getTime() + 86_400_000),
            replacing: null,
            discardWork: false,
          })
        : null;
      await client.query(completion ? `${completion}; ${COMMIT_SQL}` : COMMIT_SQL);
      client.release();
      return reply.code(201).type('application/json; charset=utf-8').send(body);
    } catch (error) {
      await client.query(ROLLBACK_SQL).catch(() => undefined);
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  send({ type: 'ready', port: listening(app.server) });
  untilStopped(async () => {
    await app.close();
    await pool.end();
  });
}

/**
 * The app's two rate-limit tiers of an authenticated request, with nothing around them: the per-IP
 * and then the per-user count with the app's own counters (`ThrottlerCounters`, what its throttler
 * storage runs) on Redis, one after the other as its guard counts them, and the rate-limit headers
 * the guard sends for them (the same `throttlerObservation` and `noteRateLimit`). What the Redis
 * throttler costs at its floor.
 */
async function redisTiers(
  env: ReturnType<typeof environment>,
): Promise<(request: FastifyRequest, reply: FastifyReply, userId: string) => Promise<void>> {
  const { Redis } = await import('ioredis');
  const client = new Redis(env.redisUrl!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
  });
  const counters = new ThrottlerCounters(client, env.redisKeyPrefix);
  const tiers = [
    { name: 'ip', rate: env.rateLimit.ip },
    { name: 'user', rate: env.rateLimit.user },
  ];
  return async (request, reply, userId) => {
    for (const { name, rate } of tiers) {
      const ttl = rate.windowSeconds * 1000;
      const count = await counters.increment(`${name}:${name === 'ip' ? request.ip : userId}`, ttl, rate.limit, ttl, name);
      noteRateLimit(request, reply, throttlerObservation(name, rate.limit, ttl, count));
    }
  };
}

/**
 * Raw argon2id verification of one hash made with the app's parameters (read from the same
 * environment the app gets), `concurrency` verifications in flight, on this process's libuv
 * threadpool (same UV_THREADPOOL_SIZE as the app's process).
 */
async function serveArgon2(): Promise<void> {
  const { memoryKib, timeCost, parallelism } = parseIdentityConfig(process.env).argon2;
  const password = 'benchmark-passphrase-Vq8#2026';
  const hash = await argon2.hash(password, { type: argon2.argon2id, memoryCost: memoryKib, timeCost, parallelism });
  process.on('message', (message: ToTarget) => {
    if (message.type !== 'verify') return;
    void (async () => {
      let failures = 0;
      const { latencies, elapsedMs } = await sample(message.ms, message.concurrency, async () => {
        if (!(await argon2.verify(hash, password))) failures += 1;
      });
      send({ type: 'verified', latencies, elapsedMs, failures });
    })();
  });
  send({ type: 'ready', argon2: { memoryKib, timeCost, parallelism } });
  untilStopped(() => Promise.resolve());
}

/** The load generator, in a process of its own. */
function serveClient(): void {
  process.on('message', (message: ToTarget) => {
    if (message.type !== 'fire') return;
    fire(message.load, message.seconds).then(
      (fired) => send({ type: 'fired', sample: fired }),
      (error: unknown) => send({ type: 'fired', error: error instanceof Error ? error.message : String(error) }),
    );
  });
  send({ type: 'ready' });
  untilStopped(() => Promise.resolve());
}

/** A login flood from its own process, so it does not slow the parent's measuring client. */
function serveFlood(): void {
  let instance: autocannon.Instance | undefined;
  process.on('message', (message: ToTarget) => {
    if (message.type === 'flood-start') {
      instance = autocannon(
        {
          url: message.url,
          method: 'POST',
          connections: message.connections,
          duration: 3600,
          headers: { 'content-type': 'application/json' },
          body: message.body,
        },
        (error, result) => {
          const statuses: Record<string, number> = {};
          for (const [code, stats] of Object.entries(result?.statusCodeStats ?? {})) statuses[code] = stats.count ?? 0;
          send({ type: 'flood-stopped', statuses, errors: error ? 1 : (result?.errors ?? 0) });
        },
      );
    } else if (message.type === 'flood-stop') {
      instance?.stop();
    }
  });
  send({ type: 'ready' });
  untilStopped(() => Promise.resolve());
}

const SERVE: Record<Exclude<TargetKind, 'app'>, () => Promise<void> | void> = {
  'node-http': serveNodeHttp,
  fastify: serveFastify,
  nest: () => serveNest(),
  'nest-headers': () => serveNest(true),
  'nest-platform': serveNestPlatform,
  'fastify-pg': serveFastifyPg,
  'login-floor': serveLoginFloor,
  argon2: serveArgon2,
  client: serveClient,
  flood: serveFlood,
};

if (require.main === module) {
  const kind = process.argv[2] as Exclude<TargetKind, 'app'>;
  Promise.resolve()
    .then(() => {
      const serve = SERVE[kind];
      if (!serve) throw new Error(`unknown target kind "${kind}"`);
      return serve();
    })
    .catch((error: unknown) => {
      send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      setTimeout(() => process.exit(1), 100);
    });
}
