import { createServer, type Server } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { bearer, login, person, requestToken, type Tokens, uniqueEmail } from './support/auth';
import { createTestDatabase } from './support/database';
import { type OwnCluster, startOwnCluster } from './support/own-cluster';

jest.setTimeout(120_000);

function expectDependencyUnavailable(res: LightMyRequestResponse, dependency = 'database'): void {
  expect(res.statusCode).toBe(503);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.headers['retry-after']).toBe('5');
  expect(res.json()).toMatchObject({ status: 503, code: 'dependency_unavailable', dependency });
}

/** A new user, signed in, with one project of theirs. */
async function ownerOfAProject(t: TestApp, label: string): Promise<{ tokens: Tokens; projectId: string }> {
  const { tokens } = await person(t, label);
  const created = await t.inject({ method: 'POST', url: '/api/v1/projects', headers: bearer(tokens), payload: { name: 'kept' } });
  return { tokens, projectId: created.json<{ id: string }>().id };
}

async function until(check: () => Promise<boolean>, what: string, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('dependency outages (e2e)', () => {
  describe('PostgreSQL stopped and started under the app (a cluster of the test’s own)', () => {
    let cluster: OwnCluster;
    let t: TestApp;
    let tokens: Tokens;
    let projectId: string;

    beforeAll(async () => {
      cluster = await startOwnCluster();
      const db = await cluster.database('bastion_test_outage');
      t = await createTestApp({ db, env: { DB_CONNECT_TIMEOUT_MS: '1000', DB_STATEMENT_TIMEOUT_MS: '3000' } });
      ({ tokens, projectId } = await ownerOfAProject(t, 'outage'));
    });
    afterAll(async () => {
      await t?.close();
      await cluster?.remove();
    });

    it('answers 503 dependency_unavailable (never 500) while it is down, recovers without a restart, keyed writes land once', async () => {
      const getProject = () => t.inject({ method: 'GET', url: `/api/v1/projects/${projectId}`, headers: bearer(tokens) });
      const keyedPost = () =>
        t.inject({
          method: 'POST',
          url: '/api/v1/projects',
          headers: { ...bearer(tokens), 'idempotency-key': 'through-the-outage' },
          payload: { name: 'written once' },
        });
      expect((await getProject()).statusCode).toBe(200);

      await cluster.stop();
      // A stream of requests of several kinds: reads, keyed writes, a login, readiness.
      const during = await Promise.all([
        ...Array.from({ length: 8 }, getProject),
        keyedPost(),
        keyedPost(),
        t.inject({ method: 'GET', url: '/api/v1/projects', headers: bearer(tokens) }),
      ]);
      for (const res of during) expectDependencyUnavailable(res);
      expect((await t.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
      expectDependencyUnavailable(await keyedPost());

      await cluster.start();
      await until(async () => (await t.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200, 'readiness');
      // The pool drops its dead connections by itself: every request is served again.
      await until(async () => (await getProject()).statusCode === 200, 'the item GET');
      const results = await Promise.all(Array.from({ length: 12 }, getProject));
      expect(results.map((r) => r.statusCode)).toEqual(Array(12).fill(200));

      const first = await keyedPost();
      expect(first.statusCode).toBe(201);
      const replay = await keyedPost();
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);
      const rows = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM projects WHERE name = 'written once'`);
      expect(rows[0].n).toBe('1');
    });
  });

  describe('a hung database (a lock nobody releases)', () => {
    let t: TestApp;
    let tokens: Tokens;
    let projectId: string;

    beforeAll(async () => {
      t = await createTestApp({ env: { DB_STATEMENT_TIMEOUT_MS: '500', DB_CONNECT_TIMEOUT_MS: '500', DB_POOL_SIZE: '2' } });
      ({ tokens, projectId } = await ownerOfAProject(t, 'hung'));
    });
    afterAll(() => t?.close());

    it('bounds each statement (statement_timeout) and each wait for a connection: 503s, not hung requests', async () => {
      const locker = new Client({ connectionString: t.db.url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE projects IN ACCESS EXCLUSIVE MODE');
        // More requests than connections: some wait for the statement, the rest for a connection.
        const stuck = await Promise.all(
          Array.from({ length: 6 }, () =>
            t.inject({ method: 'GET', url: `/api/v1/projects/${projectId}`, headers: bearer(tokens) }),
          ),
        );
        for (const res of stuck) expectDependencyUnavailable(res);
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      const after = await t.inject({ method: 'GET', url: `/api/v1/projects/${projectId}`, headers: bearer(tokens) });
      expect(after.statusCode).toBe(200);
    });
  });

  describe('Redis configured but away (documented: counters fall back to memory, readiness stays up)', () => {
    let deadRedis: Server;
    let redisUrl: string;

    beforeAll(async () => {
      // A port that accepts TCP and then closes it: a Redis that is there but never answers.
      deadRedis = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => deadRedis.listen(0, '127.0.0.1', resolve));
      const address = deadRedis.address();
      redisUrl = `redis://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    afterAll(() => new Promise<void>((resolve) => deadRedis.close(() => resolve())));

    it('keeps serving: readiness 200 with redis reported down, rate limits and the login throttle in memory', async () => {
      const db = await createTestDatabase('faults_redis');
      try {
        await withTestApp({ db, env: { REDIS_URL: redisUrl, RATE_LIMIT_REGISTER: '100/1m' } }, async (t) => {
          const ready = await t.inject({ method: 'GET', url: '/health/ready' });
          expect(ready.statusCode).toBe(200);
          expect(ready.json().details).toMatchObject({
            database: { status: 'up' },
            redis: { status: 'down', required: false },
          });
          const email = uniqueEmail('redis-away');
          const registered = await t.inject({
            method: 'POST',
            url: '/api/v1/auth/register',
            payload: { email, password: 'correct-horse-battery-staple-42' },
          });
          expect(registered.statusCode).toBe(201);
          // The request tier still counts (in this instance's memory) and says so.
          expect(registered.headers['x-ratelimit-limit']).toBe('100');
          expect(Number(registered.headers['x-ratelimit-remaining'])).toBeLessThan(100);
          const tokens = await login(t, email);
          expect(tokens.access_token).toEqual(expect.any(String));
          // The failed-login throttle holds too: per (IP, email) 5 failures a minute, then 429.
          const statuses: number[] = [];
          for (let i = 0; i < 6; i++) {
            const res = await requestToken(t, { email, password: 'wrong-password-x' });
            statuses.push(res.statusCode);
          }
          expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
          expect(statuses[5]).toBe(429);
        });
      } finally {
        await db.drop();
      }
    });
  });
});
