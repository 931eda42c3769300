import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { bearer, loginPerson, person, type Person } from './support/auth';
import { settled } from './support/eventually';
import { captureEvents, type EventCapture } from './support/events';
import { expectProblem } from './support/problem';

const ADMIN_EMAIL = 'quotas.admin@example.com';
const ADMIN_PASSWORD = 'quotas-admin-passphrase-Gr4nite-Wren';
const PARALLEL = 20;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Plain text of `size` bytes: the smallest allowlisted upload whose size we choose. */
const text = (size: number, fill: string): Buffer => Buffer.alloc(size, fill);

/**
 * Tenant quotas and usage (docs/tenancy.md, "Quotas and usage"): max_projects and
 * max_storage_bytes hold under parallel creates, max_requests_per_minute limits the tenant's
 * requests with the usual headers, and GET /tenants/{id}/usage reports what the tenant uses.
 */
describe('tenant quotas and usage (e2e)', () => {
  let t: TestApp;
  let dir: string;
  let admin: Person;
  let alice: Person;
  let bob: Person;
  let published: EventCapture;

  const call = (
    who: Person,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    options: { tenant?: string; payload?: unknown } = {},
  ): Promise<LightMyRequestResponse> =>
    t.inject({
      method,
      url: `/api/v1${url}`,
      headers: { ...bearer(who.tokens), ...(options.tenant ? { 'x-tenant-id': options.tenant } : {}) },
      ...(options.payload === undefined ? {} : { payload: options.payload as object }),
    });

  async function ok(response: Promise<LightMyRequestResponse>, status = 200): Promise<Json> {
    const res = await response;
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
    return res.json<Json>();
  }

  function upload(who: Person, tenant: string, body: Buffer): Promise<LightMyRequestResponse> {
    const boundary = '----bastionquotas';
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n`,
      ),
      body,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return t.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...bearer(who.tokens), 'x-tenant-id': tenant, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
  }

  let slugs = 0;
  async function tenantWith(quotas: Json): Promise<string> {
    slugs += 1;
    const tenant = await ok(
      call(alice, 'POST', '/tenants', { payload: { name: `Quotas ${slugs}`, slug: `quota-${slugs}-${Date.now()}` } }),
      201,
    );
    await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [tenant.id, bob.id]);
    await ok(call(admin, 'PATCH', `/admin/tenants/${tenant.id as string}`, { payload: { quotas } }));
    return tenant.id as string;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-quotas-'));
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, FILES_DIR: dir } });
    admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    [alice, bob] = await Promise.all([person(t, 'quota-alice'), person(t, 'quota-bob')]);
    published = captureEvents(t);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('max_projects', () => {
    it(`holds under ${PARALLEL} parallel creates at the limit: exactly the room left succeeds, the rest get 403 quota_exceeded`, async () => {
      const tenant = await tenantWith({ max_projects: 5 });
      await ok(call(alice, 'POST', '/projects', { tenant, payload: { name: 'first' } }), 201);
      published.clear();
      const answers = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) =>
          call(i % 2 ? alice : bob, 'POST', '/projects', { tenant, payload: { name: `parallel ${i}` } }),
        ),
      );
      const created = answers.filter((res) => res.statusCode === 201);
      const refused = answers.filter((res) => res.statusCode !== 201);
      expect(created).toHaveLength(4);
      for (const res of refused) {
        expectProblem(res, 403, 'quota_exceeded');
        expect(res.json()).toMatchObject({ quota: 'max_projects', limit: 5, usage: 5 });
      }
      const [{ n }] = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM projects WHERE tenant_id = $1', [tenant]);
      expect(Number(n)).toBe(5);
      await settled(t);
      const refusals = published.payloadsOf('tenancy.quota_exceeded').filter((p) => p.tenant_id === tenant);
      expect(refusals).toHaveLength(PARALLEL - 4);
      expect(refusals[0]).toMatchObject({ quota: 'max_projects', limit: 5, usage: 5 });
      const audited = await t.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM audit_events WHERE type = 'tenancy.quota_exceeded' AND outcome = 'denied' AND subject_id = $1`,
        [tenant],
      );
      expect(Number(audited[0].n)).toBe(PARALLEL - 4);
    });

    it('under an Idempotency-Key: the refusal is audited on its own while the change rolls back, and replayed', async () => {
      const tenant = await tenantWith({ max_projects: 1 });
      await ok(call(alice, 'POST', '/projects', { tenant, payload: { name: 'the one' } }), 201);
      published.clear();
      const keyed = () =>
        t.inject({
          method: 'POST',
          url: '/api/v1/projects',
          headers: { ...bearer(alice.tokens), 'x-tenant-id': tenant, 'idempotency-key': `quota-${tenant}` },
          payload: { name: 'one too many' },
        });
      const refused = expectProblem(await keyed(), 403, 'quota_exceeded');
      const again = await keyed();
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(refused);
      const [{ n }] = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM projects WHERE tenant_id = $1', [tenant]);
      expect(Number(n)).toBe(1);
      await settled(t);
      const audited = await t.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM audit_events WHERE type = 'tenancy.quota_exceeded' AND outcome = 'denied' AND subject_id = $1`,
        [tenant],
      );
      expect(Number(audited[0].n)).toBe(1);
    });

    it('leaves other tenants alone, and lets creation resume when the limit is raised', async () => {
      const tenant = await tenantWith({ max_projects: 1 });
      await ok(call(alice, 'POST', '/projects', { tenant, payload: { name: 'only' } }), 201);
      expectProblem(await call(alice, 'POST', '/projects', { tenant, payload: { name: 'one more' } }), 403, 'quota_exceeded');
      await ok(call(alice, 'POST', '/projects', { payload: { name: 'personal is unlimited' } }), 201);
      await ok(call(admin, 'PATCH', `/admin/tenants/${tenant}`, { payload: { quotas: { max_projects: 2 } } }));
      await ok(call(alice, 'POST', '/projects', { tenant, payload: { name: 'one more' } }), 201);
    });
  });

  // An atomic idempotent request holds its connection for the whole request. Anything that took a
  // second connection meanwhile (the refusal's audit record; a new user's personal tenant) could
  // wait on a pool whose other connections all waited on the first one's locks: 503 after the
  // connect timeout. Small pools and a short timeout make that quick to see.
  describe('keyed writes on a small pool', () => {
    const SMALL = { ADMIN_EMAIL, ADMIN_PASSWORD, FILES_DIR: '', DB_POOL_SIZE: '3', DB_CONNECT_TIMEOUT_MS: '1500' };
    const keyed = (app: TestApp, who: Person, key: string, tenant?: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/projects',
        headers: { ...bearer(who.tokens), 'idempotency-key': key, ...(tenant ? { 'x-tenant-id': tenant } : {}) },
        payload: { name: key },
      });

    it('a burst of keyed creates over max_projects: every one 403 quota_exceeded (none 503), each refusal audited', async () => {
      await withTestApp({ db: t.db, env: { ...SMALL, FILES_DIR: dir } }, async (small) => {
        const tenant = await tenantWith({ max_projects: 1 });
        await ok(call(alice, 'POST', '/projects', { tenant, payload: { name: 'fill' } }), 201);
        const who = await loginPerson(small, alice.email);
        const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => keyed(small, who, `burst-${tenant}-${i}`, tenant)));
        expect(answers.map((res) => res.statusCode)).toEqual(Array(6).fill(403));
        for (const res of answers) expect(res.json()).toMatchObject({ code: 'quota_exceeded' });
        await settled(small);
        const audited = await t.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM audit_events WHERE type = 'tenancy.quota_exceeded' AND subject_id = $1`,
          [tenant],
        );
        expect(Number(audited[0].n)).toBe(6);
      });
    });

    it('new users’ first keyed creates, at once, without X-Tenant-Id: each personal tenant made, every one 201', async () => {
      await withTestApp({ db: t.db, env: { ...SMALL, DB_POOL_SIZE: '2', FILES_DIR: dir } }, async (small) => {
        const newcomers = [await person(small, 'first-keyed-1'), await person(small, 'first-keyed-2')];
        const answers = await Promise.all(newcomers.map((who, i) => keyed(small, who, `first-${Date.now()}-${i}`)));
        expect(answers.map((res) => res.statusCode)).toEqual([201, 201]);
      });
    });
  });

  describe('max_storage_bytes', () => {
    it('holds under parallel uploads: what would go over is refused and its bytes are removed', async () => {
      const tenant = await tenantWith({ max_storage_bytes: 2500 });
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, i) => upload(i % 2 ? alice : bob, tenant, text(1000, String.fromCharCode(97 + i)))),
      );
      const stored = answers.filter((res) => res.statusCode === 201).map((res) => res.json<Json>());
      expect(stored).toHaveLength(2);
      for (const res of answers.filter((r) => r.statusCode !== 201)) {
        expectProblem(res, 403, 'quota_exceeded');
        expect(res.json()).toMatchObject({ quota: 'max_storage_bytes', limit: 2500, usage: 2000 });
      }
      const blobs = readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name);
      for (const file of stored) expect(existsSync(join(dir, (file.id as string).slice(0, 2), file.id as string))).toBe(true);
      const [{ n }] = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM files WHERE tenant_id = $1', [tenant]);
      expect(Number(n)).toBe(2);
      expect(blobs.filter((name) => /^[0-9a-f-]{36}$/.test(name))).toHaveLength(2);
      // Exactly up to the limit is fine.
      await ok(upload(alice, tenant, text(500, 'z')), 201);
    });
  });

  describe('max_requests_per_minute', () => {
    it('counts every request in the tenant, sends the limit in the rate-limit headers, and answers 429 once over', async () => {
      const tenant = await tenantWith({ max_requests_per_minute: 5 });
      const answers: LightMyRequestResponse[] = [];
      for (let i = 0; i < 5; i++) answers.push(await call(i % 2 ? alice : bob, 'GET', '/projects', { tenant }));
      for (const [i, res] of answers.entries()) {
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBe('5');
        expect(res.headers['x-ratelimit-remaining']).toBe(String(4 - i));
        expect(res.headers['ratelimit-policy']).toContain('"tenant";q=5;w=60');
      }
      const over = await call(alice, 'POST', '/projects', { tenant, payload: { name: 'too many' } });
      expectProblem(over, 429, 'tenant_rate_limited');
      expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(over.json().retry_after).toBe(Number(over.headers['retry-after']));
      // Their personal tenants are not limited by this one.
      await ok(call(alice, 'GET', '/projects'));
    });
  });

  const redisUrl = process.env.TEST_REDIS_URL;
  (redisUrl ? it : it.skip)('with Redis (TEST_REDIS_URL): instances share the tenant’s request windows', async () => {
    const env = { REDIS_URL: redisUrl!, ADMIN_EMAIL, ADMIN_PASSWORD, FILES_DIR: dir };
    await withTestApp({ env }, async (a) => {
      await withTestApp({ env, db: a.db }, async (b) => {
        const [owner, boss] = [await person(a, 'redis-owner'), await loginPerson(a, ADMIN_EMAIL, ADMIN_PASSWORD)];
        const tenant = await a.inject({
          method: 'POST',
          url: '/api/v1/tenants',
          headers: bearer(owner.tokens),
          payload: { name: 'Shared windows', slug: `redis-${Date.now()}` },
        });
        const tenantId = tenant.json<Json>().id as string;
        const quota = await a.inject({
          method: 'PATCH',
          url: `/api/v1/admin/tenants/${tenantId}`,
          headers: bearer(boss.tokens),
          payload: { quotas: { max_requests_per_minute: 4 } },
        });
        expect(quota.statusCode).toBe(200);
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          const app = i % 2 === 0 ? a : b;
          const res = await app.inject({
            method: 'GET',
            url: '/api/v1/projects',
            headers: { ...bearer(owner.tokens), 'x-tenant-id': tenantId },
          });
          statuses.push(res.statusCode);
        }
        expect(statuses).toEqual([200, 200, 200, 200, 429]);
        const usage = await b.inject({ method: 'GET', url: `/api/v1/tenants/${tenantId}/usage`, headers: bearer(owner.tokens) });
        expect(usage.statusCode).toBe(429);
      });
    });
  });

  describe('GET /tenants/{id}/usage', () => {
    it('reports members, projects, stored bytes and requests next to the quotas, to any member', async () => {
      const tenant = await tenantWith({ max_projects: 10, max_storage_bytes: 100_000 });
      await ok(call(alice, 'POST', '/projects', { tenant, payload: { name: 'one' } }), 201);
      await ok(call(bob, 'POST', '/projects', { tenant, payload: { name: 'two' } }), 201);
      await ok(upload(bob, tenant, text(1234, 'q')), 201);
      const usage = await ok(call(bob, 'GET', `/tenants/${tenant}/usage`));
      expect(usage).toEqual({
        tenant_id: tenant,
        members: 2,
        projects: 2,
        storage_bytes: 1234,
        requests: { last_minute: 4, last_day: 4 },
        quotas: { max_members: null, max_projects: 10, max_storage_bytes: 100_000, max_requests_per_minute: null },
      });
      const again = await ok(call(alice, 'GET', `/tenants/${tenant}/usage`));
      expect(again.requests).toEqual({ last_minute: 5, last_day: 5 });
    });

    it('is 404 tenant_not_found for anyone who is not a member, platform admins included', async () => {
      const tenant = await tenantWith({});
      const stranger = await person(t, 'quota-stranger');
      expectProblem(await call(stranger, 'GET', `/tenants/${tenant}/usage`), 404, 'tenant_not_found');
      expectProblem(await call(admin, 'GET', `/tenants/${tenant}/usage`), 404, 'tenant_not_found');
    });
  });
});
