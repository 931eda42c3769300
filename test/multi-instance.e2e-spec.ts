/**
 * Three real instances (the production entry point, each its own process on a loopback
 * port) on one PostgreSQL database and one Redis, as behind the load balancer of
 * deploy/topology: whatever state a request leaves must be honoured by the next request,
 * whichever instance it lands on. Set up like a release of the image: the app compiled as
 * `npm run build` compiles it and run with `node` (no ts-node), least-privilege roles
 * (deploy/postgres/least-privilege.sql), migrations by the owner role through the compiled
 * `migrate.js`, the grants applied again, then the instances as the app role.
 */
import { randomUUID } from 'node:crypto';
import { STRONG_PASSWORD, uniqueEmail } from './support/auth';
import { Client } from 'pg';
import {
  applyLeastPrivilege,
  clusterEnvironment,
  type CompiledBuild,
  compileBuild,
  type DatabaseRoles,
  devOnlyPackages,
  eventually,
  type Instance,
  leastPrivilegeRoles,
  startInstances,
  stopInstances,
} from './support/cluster';
import { createTestDatabase, type TestDatabase } from './support/database';

jest.setTimeout(300_000);

const WRONG = 'not-the-password-at-all-9';
const CLEANUP_INTERVAL_S = 2;

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

async function call(
  instance: Instance,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; ip?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { 'x-forwarded-for': options.ip ?? '203.0.113.10', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${instance.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const json =
    (res.headers.get('content-type') ?? '').includes('json') && text ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: res.status, headers: res.headers, body: json, text };
}

let build: CompiledBuild;

beforeAll(async () => {
  build = await compileBuild();
});
afterAll(() => {
  build?.remove();
});

describe('three instances on one PostgreSQL and one Redis (e2e, real processes)', () => {
  const redisUrl = process.env.TEST_REDIS_URL;
  let db: TestDatabase;
  let roles: DatabaseRoles;
  let instances: Instance[] = [];
  let a: Instance;
  let b: Instance;
  let c: Instance;
  let staleSessionId: string;

  const register = async (at: Instance, email: string, ip: string): Promise<string> => {
    const res = await call(at, 'POST', '/api/v1/auth/register', { body: { email, password: STRONG_PASSWORD }, ip });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const login = (at: Instance, email: string, password: string, ip: string): Promise<Reply> =>
    call(at, 'POST', '/api/v1/auth/token', { body: { email, password }, ip });

  beforeAll(async () => {
    db = await createTestDatabase('multi_instance');
    roles = await leastPrivilegeRoles(db);
    const migrated = await build.migrate(roles.owner.url);
    expect(migrated).toMatchObject({ code: 0, stdout: expect.stringMatching(/migration\(s\) applied/) });
    await applyLeastPrivilege(db, roles);

    // A session that ended long before SESSION_RETENTION (30 days): the cleanup job's work.
    const [user] = await db.query<{ id: string }>(
      `INSERT INTO users (email, password_hash, role, is_active) VALUES ('stale@example.com', 'x', 'user', true) RETURNING id`,
    );
    const [session] = await db.query<{ id: string }>(
      `INSERT INTO user_sessions (user_id, last_used_at, expires_at, revoked_at, revoked_reason)
       VALUES ($1, now() - interval '90 days', now() - interval '60 days', now() - interval '89 days', 'logout') RETURNING id`,
      [user.id],
    );
    staleSessionId = session.id;

    const env = clusterEnvironment(roles.app.url, {
      LOG_LEVEL: 'debug',
      SESSION_CLEANUP_INTERVAL: `${CLEANUP_INTERVAL_S}s`,
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `test:${db.name}:` } : {}),
    });
    instances = await startInstances(build, 3, env);
    [a, b, c] = instances;
  });

  afterAll(async () => {
    await stopInstances(instances);
    await db?.drop();
    await roles?.drop();
  });

  it(`every instance is ready, on the same database${redisUrl ? ' and Redis' : ' (no TEST_REDIS_URL: counters in PostgreSQL)'}`, async () => {
    for (const instance of instances) {
      const ready = await call(instance, 'GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
      if (redisUrl) expect(ready.body).toMatchObject({ details: { redis: { status: 'up' } } });
      expect((await call(instance, 'GET', '/health/live')).status).toBe(200);
    }
    const ports = new Set(instances.map((i) => new URL(i.url).port));
    expect(ports.size).toBe(3);
  });

  it('an idempotent POST replayed on another instance returns the stored response; a changed body is refused on a third', async () => {
    const email = uniqueEmail('idem');
    await register(a, email, '203.0.113.21');
    const token = (await login(b, email, STRONG_PASSWORD, '203.0.113.21')).body.access_token as string;
    const key = `multi-${randomUUID()}`;
    const headers = { authorization: `Bearer ${token}`, 'idempotency-key': key };
    const payload = { name: `cross-instance ${key}`, description: 'created once' };

    const first = await call(a, 'POST', '/api/v1/projects', { body: payload, headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const replay = await call(b, 'POST', '/api/v1/projects', { body: payload, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get('location')).toBe(first.headers.get('location'));
    expect(replay.headers.get('etag')).toBe(first.headers.get('etag'));

    const reused = await call(c, 'POST', '/api/v1/projects', { body: { ...payload, name: 'something else' }, headers });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');

    const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM projects WHERE name = $1', [payload.name]);
    expect(rows[0].n).toBe('1');
  });

  it('login failures spread across the instances trip the per-identity throttle and then the account lockout', async () => {
    const email = uniqueEmail('spread');
    await register(c, email, '203.0.113.31');
    // LOGIN_FAILURES_PER_IDENTITY (5/1m per client IP and email): the sixth failure, on whichever instance, is refused.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(instances[i % 3], email, WRONG, '198.51.100.7')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);

    // LOCKOUT_THRESHOLD (10 consecutive failures, any IP): the account locks, on every instance.
    const lockEmail = uniqueEmail('lock');
    await register(a, lockEmail, '203.0.113.32');
    for (let i = 0; i < 10; i++) {
      expect((await login(instances[i % 3], lockEmail, WRONG, `198.51.100.${100 + i}`)).status).toBe(401);
    }
    for (const instance of instances) {
      const refused = await login(instance, lockEmail, STRONG_PASSWORD, '198.51.100.250');
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('too_many_attempts');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('a session revoked on one instance is refused on the others', async () => {
    const email = uniqueEmail('revoke');
    await register(b, email, '203.0.113.41');
    const tokens = (await login(a, email, STRONG_PASSWORD, '203.0.113.41')).body;
    const auth = { authorization: `Bearer ${tokens.access_token as string}` };
    // B has seen the session (and may cache "active" for up to 2 s); C never has.
    expect((await call(b, 'GET', '/api/v1/auth/me', { headers: auth, ip: '203.0.113.41' })).status).toBe(200);

    expect((await call(a, 'POST', '/api/v1/auth/logout', { body: {}, headers: auth, ip: '203.0.113.41' })).status).toBe(204);

    expect((await call(c, 'GET', '/api/v1/auth/me', { headers: auth, ip: '203.0.113.41' })).status).toBe(401);
    const refresh = await call(b, 'POST', '/api/v1/auth/refresh', {
      body: { refresh_token: tokens.refresh_token },
      ip: '203.0.113.41',
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body.code).toBe('session_revoked');
    // B's short "still active" cache (ACTIVE_CACHE_MS) expires and B refuses the access token too.
    const refusedOnB = await eventually(
      'instance B to refuse the revoked access token',
      async () => {
        const res = await call(b, 'GET', '/api/v1/auth/me', { headers: auth, ip: '203.0.113.41' });
        return res.status === 200 ? undefined : res.status;
      },
      15_000,
    );
    expect(refusedOnB).toBe(401);
  });

  it('the scheduled session cleanup fires on all three instances and runs once per period', async () => {
    interface Attempt {
      instance: string;
      instance_id: string;
      slot: string;
      outcome: string;
    }
    const attempts = (): Attempt[] =>
      instances.flatMap((instance) =>
        instance.service
          .logLines()
          .filter((l) => l.event === 'job_attempt' && l.job === 'cleanup_expired_sessions')
          .map((l) => ({
            instance: instance.name,
            instance_id: l.instance_id as string,
            slot: l.slot as string,
            outcome: l.outcome as string,
          })),
      );
    // Slots that every instance has attempted (the ones before all three were up are left out).
    const contested = (): string[] => {
      const bySlot = new Map<string, Set<string>>();
      for (const attempt of attempts()) bySlot.set(attempt.slot, (bySlot.get(attempt.slot) ?? new Set()).add(attempt.instance));
      return [...bySlot.entries()].filter(([, who]) => who.size === 3).map(([slot]) => slot);
    };
    const slots = await eventually('three periods attempted by all three instances', () => {
      const found = contested();
      return Promise.resolve(found.length >= 3 ? found : undefined);
    });

    const runs = await db.query<{ slot: Date; instance_id: string; outcome: string }>(
      `SELECT slot, instance_id, outcome FROM job_runs WHERE job = 'cleanup_expired_sessions'`,
    );
    for (const slot of slots) {
      const forSlot = attempts().filter((x) => x.slot === slot);
      expect(forSlot.map((x) => x.outcome).sort()).toEqual(['skipped', 'skipped', 'succeeded']);
      const winner = forSlot.find((x) => x.outcome === 'succeeded')!;
      const rows = runs.filter((r) => r.slot.toISOString() === slot);
      expect(rows).toEqual([{ slot: new Date(slot), instance_id: winner.instance_id, outcome: 'succeeded' }]);
    }
    // Slots are one period apart, and the job did its work: the long-ended session is gone.
    const times = runs.map((r) => r.slot.getTime());
    for (const t of times) expect(t % (CLEANUP_INTERVAL_S * 1000)).toBe(0);
    expect(new Set(times).size).toBe(times.length);
    expect(await db.query('SELECT id FROM user_sessions WHERE id = $1', [staleSessionId])).toEqual([]);
  });

  it('the instances run as a role that can change rows but not the schema, the migrations or the audit trail', async () => {
    const client = new Client({ connectionString: roles.app.url });
    await client.connect();
    try {
      const [{ owner }] = (
        await client.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'users'`)
      ).rows;
      expect(owner).toBe(roles.owner.name);
      const refused = async (sql: string): Promise<string> => {
        try {
          await client.query(sql);
        } catch (error) {
          return (error as Error).message;
        }
        return 'allowed';
      };
      expect(await refused('CREATE TABLE intruder (id int)')).toMatch(/permission denied for schema public/);
      expect(await refused('DROP TABLE projects')).toMatch(/must be owner/);
      expect(await refused('TRUNCATE job_runs')).toMatch(/permission denied/);
      expect(await refused(`INSERT INTO migrations (timestamp, name) VALUES (1, 'Forged1')`)).toMatch(/permission denied/);
      expect(await refused('DELETE FROM audit_events')).toMatch(/permission denied/);
      expect(await refused('UPDATE audit_events SET type = type')).toMatch(/permission denied/);
      expect(await refused('UPDATE audit_chain SET anchor_seq = anchor_seq')).toMatch(/permission denied/);
      expect(await refused('UPDATE audit_chain SET head_seq = head_seq')).toBe('allowed');
      // ... and everything above (logins, lockouts, revocations) was audited through that role.
      const [{ n }] = (await client.query<{ n: string }>('SELECT count(*) AS n FROM audit_events')).rows;
      expect(Number(n)).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  it('stops every instance cleanly on SIGTERM', async () => {
    await stopInstances(instances);
    for (const instance of instances) {
      expect(instance.service.child.exitCode).toBe(0);
      expect(instance.service.output()).toMatch(/Shutdown complete in \d+ ms/);
      // Nothing above went wrong behind the answers: not one error line, on any instance.
      expect(instance.service.logLines().filter((l) => Number(l.level) >= 50)).toEqual([]);
    }
  });
});

describe('the release step: dist/src/platform/database/migrate.js (e2e, compiled, no ts-node)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('migrate_entry');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const applied = async (): Promise<string[]> =>
    (await db.query<{ name: string }>('SELECT name FROM migrations ORDER BY id')).map((r) => r.name);

  it('shows, runs, reverts and runs again', async () => {
    const before = await build.migrate(db.url, 'show');
    expect(before.code).toBe(0);
    const total = Number(/(\d+) pending/.exec(before.stdout)?.[1]);
    expect(total).toBeGreaterThan(0);
    expect(before.stdout.match(/^\[ \] /gm)).toHaveLength(total);

    expect((await build.migrate(db.url, 'run')).stdout).toContain(`${total} migration(s) applied`);
    expect(await applied()).toHaveLength(total);
    expect((await build.migrate(db.url, 'show')).stdout).toMatch(/^0 pending$/m);

    const last = (await applied()).at(-1)!;
    expect((await build.migrate(db.url, 'revert')).stdout).toContain(`Reverted ${last}`);
    expect(await applied()).not.toContain(last);
    expect((await build.migrate(db.url, 'show')).stdout).toContain(`[ ] ${last}`);
    expect((await build.migrate(db.url, 'run')).stdout).toContain(`Applied ${last}`);
  });

  it('two release jobs at once: the lock makes the second wait, and only one applies', async () => {
    await build.migrate(db.url, 'revert');
    const [one, two] = await Promise.all([build.migrate(db.url, 'run'), build.migrate(db.url, 'run')]);
    expect([one.code, two.code]).toEqual([0, 0]);
    const outputs = [one.stdout, two.stdout];
    expect(outputs.filter((o) => o.includes('1 migration(s) applied'))).toHaveLength(1);
    expect(outputs.filter((o) => o.includes('No pending migrations'))).toHaveLength(1);
    const names = await applied();
    expect(new Set(names).size).toBe(names.length);
  });

  it('lists migrations a newer version applied, and refuses bad usage with exit code 2', async () => {
    await db.query(`INSERT INTO migrations (timestamp, name) VALUES (1999999999999, 'FromTheFuture1999999999999')`);
    expect((await build.migrate(db.url, 'show')).stdout).toMatch(/\[\?\] FromTheFuture1999999999999 .*\n0 pending, 1 unknown/);
    expect((await build.migrate(db.url, 'run')).stdout).toContain('No pending migrations');
    const bad = await build.migrate(db.url, 'upgrade');
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "upgrade"') });
    const noUrl = await build.migrate('', 'run');
    expect(noUrl).toMatchObject({ code: 2, stderr: expect.stringContaining('DATABASE_URL is required in production') });
  });

  it('the compiled migrator and server load no package that `npm ci --omit=dev` leaves out', () => {
    const loaded = build.loadedPackages();
    // The recorder saw the real thing: the server's framework and the database driver.
    expect([...loaded]).toEqual(expect.arrayContaining(['@nestjs/core', '@nestjs/platform-fastify', 'typeorm', 'pg']));
    const devOnly = devOnlyPackages();
    expect(devOnly.has('jest')).toBe(true);
    // Probed, not needed: `debug` (under typeorm) does `try { require('supports-color') } catch {}`
    // and goes on without colours when the package is absent, as it is in the image.
    const probedOptionally = new Set(['supports-color', 'has-flag']);
    expect([...loaded].filter((name) => devOnly.has(name) && !probedOptionally.has(name))).toEqual([]);
  });
});
