/**
 * The `login-floor` target (see targets.ts): what a login costs at its best on this machine, and
 * what the liveness probe keeps under a login flood at its best. Bare Fastify + `pg` + argon2 with
 * the app's parameters and the app's pool (`ARGON2_MAX_CONCURRENCY` hashing, `ARGON2_MAX_QUEUE`
 * waiting, the app's own `BoundedPool`; a login it would refuse gets its 503 in `onRequest`, admitted
 * as `LoginShedding` admits) and the app's threadpool priority (`THREADPOOL_NICE`). It answers:
 *
 *   POST /auth/token?round_trips=N  one argon2id verification of the body's password and an HS256
 *        access token, around N one-row round trips to PostgreSQL in the order and kind of the
 *        app's login (`LOGIN_ROUND_TRIPS`; N = 0: none), named prepared statements as the app's
 *        are. No Nest, no ORM, no validation, no audit chain, no sessions: the verification, the
 *        statements' round trips and HTTP, nothing else.
 *   POST /auth/token?work=app  the same login made of the app's own work without Nest
 *        (login-app-work.ts): its statements on its tables (the user's row and hash, a session, an
 *        audit append through the app's drainer), its token; what the login must do, at its cheapest.
 *   GET /health/live  the probe's body and every header the app sends with it.
 *
 * With `LOGIN_FLOOR_PLATFORM=1` every response, the refusals included, also pays for the platform's
 * per-request work as the app does (platform-floor.ts: CORS, the security headers and a request id,
 * a metric, a request context, and an access line for each response but the probe's).
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import * as argon2 from 'argon2';
import { fastify } from 'fastify';
import { Pool } from 'pg';
import { parseIdentityConfig } from '../../../src/contexts/identity';
import { BoundedPool } from '../../../src/platform/concurrency/bounded-pool';
import { lowerThreadpoolPriority } from '../../../src/platform/concurrency/threadpool-priority';
import { parseEnvironment } from '../../../src/platform/config/environment';
import { prepareRuntimeRole, runtimeRoleOptions } from '../../../src/platform/database/runtime-role';
import { PASSWORD } from './seed';
import { listening, send, untilStopped } from './ipc';
import { type AppLoginWork, appLoginWork } from './login-app-work';
import { platformWork } from './platform-floor';
import { probeBody, setProbeHeaders } from './probe-response';

type RoundTrip = 'counters' | 'read' | 'insert';

/**
 * The app's login, one entry per statement (test/round-trips.e2e-spec.ts counts 6), each sent on
 * its own as the app sends it. Before the verification: the failed-login throttle's two counters
 * (one upsert of both rows), the lockout row with the user (one read). After: the sign-in
 * (session, token, last login and sources in one statement; here one insert), the audit append
 * of the session's and the sign-in's records (a read of the chain's head and an insert), the
 * throttle's settlement (one upsert of both rows).
 */
export const LOGIN_ROUND_TRIPS: { before: RoundTrip[][]; after: RoundTrip[][] } = {
  before: [['counters'], ['read']],
  after: [['insert'], ['read'], ['insert'], ['counters']],
};

export const LOGIN_ROUND_TRIP_COUNT = [...LOGIN_ROUND_TRIPS.before, ...LOGIN_ROUND_TRIPS.after].flat().length;

/**
 * The floor's tables. The two login-floor peers start at once on the same database, and two
 * `CREATE TABLE IF NOT EXISTS` of one table racing each other can fail (a unique violation in
 * the catalogue): one transaction under an advisory lock, so the second waits and finds them.
 */
const SETUP_SQL = `BEGIN;
  SELECT pg_advisory_xact_lock(hashtext('bench_login_floor'));
  CREATE TABLE IF NOT EXISTS bench_login_floor_rows (key text PRIMARY KEY, points int NOT NULL, at timestamptz NOT NULL);
  CREATE TABLE IF NOT EXISTS bench_login_floor_records (id uuid PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL);
  COMMIT`;
const SQL: Record<RoundTrip, string> = {
  counters:
    'INSERT INTO bench_login_floor_rows (key, points, at) SELECT k, 1, now() FROM unnest($1::text[]) AS k ORDER BY k ' +
    'ON CONFLICT (key) DO UPDATE SET points = bench_login_floor_rows.points + 1, at = now() RETURNING points',
  read: 'SELECT key, points, at FROM bench_login_floor_rows WHERE key = $1',
  insert: 'INSERT INTO bench_login_floor_records (id, kind, at) VALUES ($1, $2, now())',
};

export async function serveLoginFloor(): Promise<void> {
  const env = parseEnvironment(process.env);
  const { databaseUrl } = env;
  if (!databaseUrl) throw new Error('the login-floor peer needs DATABASE_URL');
  const identity = parseIdentityConfig(process.env);
  const { memoryKib, timeCost, parallelism, maxConcurrency, maxQueue } = identity.argon2;
  const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: memoryKib, timeCost, parallelism });
  await lowerThreadpoolPriority(env.threadpoolNice);
  const hashing = new BoundedPool('argon2', maxConcurrency, maxQueue);
  const pool = new Pool({
    connectionString: databaseUrl,
    max: env.dbPoolSize,
    application_name: 'bastion-bench-login-floor',
  });
  await pool.query(SETUP_SQL);
  // Made on the first `?work=app` login, not at start: the peer may start before an app has migrated
  // a fresh database (`sequential` starts the floors first). It connects as the app does: as its
  // runtime role when it has one (row-level security applies).
  let appWork: Promise<AppLoginWork> | undefined;
  const appWorkOf = (): Promise<AppLoginWork> =>
    (appWork ??= (async () => {
      const role = env.dbRuntimeRole
        ? await prepareRuntimeRole(databaseUrl, env.dbRuntimeRole.name, env.dbRuntimeRole.onlyForPrivilegedLogin)
        : null;
      return appLoginWork(databaseUrl, env.dbPoolSize, identity, role ? runtimeRoleOptions(role) : {});
    })().catch((error: unknown) => {
      appWork = undefined;
      throw error;
    }));
  // Named, as the app sends every statement of its login: parsed and planned once per connection.
  const values: Record<RoundTrip, (rows: string[]) => unknown[]> = {
    counters: (rows) => [rows],
    read: (rows) => [rows[1]],
    insert: (rows) => [randomUUID(), rows[1]],
  };
  /** The steps one after the other, a step's statements together; `rows`: the two counters' keys (per IP, per identity). */
  const run = async (steps: RoundTrip[][], rows: string[]) => {
    for (const step of steps) {
      await Promise.all(
        step.map((kind) => pool.query({ name: `login_floor_${kind}`, text: SQL[kind], values: values[kind](rows) })),
      );
    }
  };
  const secret = randomBytes(64);
  const token = (sub: string): string => {
    const now = Math.floor(Date.now() / 1000);
    const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub, sid: randomUUID(), iat: now, exp: now + 900 })).toString('base64url');
    return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
  };

  const app = fastify({ logger: false });
  const platform = process.env.LOGIN_FLOOR_PLATFORM === '1';
  if (platform) await platformWork(app, { accessLines: true });
  const started = Date.now();
  app.get('/health/live', (_request, reply) => {
    if (!platform) setProbeHeaders(reply);
    return probeBody(started);
  });
  // As LoginShedding: a login is admitted only while the pool, with the logins already admitted, would take it.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'POST') return done();
    const admitted = hashing.admit();
    if (admitted) {
      reply.raw.once('close', admitted);
      return done();
    }
    void reply
      .code(503)
      .header('retry-after', '1')
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'server_busy' });
  });
  app.post<{ Body: { email?: string; password?: string }; Querystring: { round_trips?: string; work?: string } }>(
    '/api/v1/auth/token',
    async (request, reply) => {
      const { email = '', password = '' } = request.body ?? {};
      if (request.query.work === 'app') {
        const client = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
        // Admitted in the hook, as below.
        const pair = await (
          await appWorkOf()
        ).login(email, password, client, (stored) => hashing.run(() => argon2.verify(stored, password)));
        return pair ?? reply.code(401).send({ status: 401, code: 'invalid_credentials' });
      }
      const withRoundTrips = request.query.round_trips !== '0';
      const identity = createHash('sha256').update(email).digest('base64url');
      const rows = ['ip:127.0.0.1', `identity:${identity}`];
      if (withRoundTrips) await run(LOGIN_ROUND_TRIPS.before, rows);
      // Admitted in the hook, so the pool takes it: nothing else here hashes.
      const verified = await hashing.run(() => argon2.verify(hash, password));
      if (!verified) return reply.code(401).send({ status: 401, code: 'invalid_credentials' });
      if (withRoundTrips) await run(LOGIN_ROUND_TRIPS.after, rows);
      return {
        access_token: token(identity),
        refresh_token: randomBytes(32).toString('base64url'),
        token_type: 'Bearer',
        expires_in: 900,
      };
    },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  send({ type: 'ready', port: listening(app.server) });
  untilStopped(async () => {
    await app.close();
    if (appWork) await (await appWork).close();
    await pool.end();
  });
}
