import type { LightMyRequestResponse } from 'fastify';
import type { QueryRunner } from 'typeorm';
import { ForgetStoredApiKeys1797033600000 } from '../migrations/1797033600000-ForgetStoredApiKeys';
import { createTestApp, type TestApp } from './support/app';
import { bearer, login, person } from './support/auth';

const ADMIN_EMAIL = 'validation.admin@example.com';
const ADMIN_PASSWORD = 'validation-admin-passphrase-Sl0w-Marten';

/**
 * Every `400 validation_failed` is the platform's one `ValidationFailedError`, wherever it is
 * found (the global pipe, a path-parameter pipe, a service, a domain rule). The idempotency
 * interceptor releases the key of a request refused that way, since nothing happened that a
 * retry could repeat: a client that fixes its request may send it again under the same key.
 * (Hand-built `validation_failed` errors used to be stored and replayed, or answered with 422
 * `idempotency_key_reused` once the body was fixed.)
 */
describe('validation errors and idempotency keys (e2e)', () => {
  let t: TestApp;
  let alice: Record<string, string>;
  let admin: Record<string, string>;

  let counter = 0;
  const newKey = (label: string): string => `${label}-${Date.now().toString(36)}-${(counter += 1)}`;

  const call = (
    method: 'POST' | 'PATCH',
    url: string,
    payload: Record<string, unknown>,
    key: string,
  ): Promise<LightMyRequestResponse> =>
    t.inject({ method, url: `/api/v1${url}`, payload, headers: { ...alice, 'idempotency-key': key } });

  const keyRows = (key: string): Promise<{ status: string; response_status: number | null }[]> =>
    t.db.query('SELECT status, response_status FROM idempotency_keys WHERE key = $1', [key]);

  function expectValidationFailed(res: LightMyRequestResponse, field: string, code: string): void {
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const body = res.json();
    expect(body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, code })]));
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
    alice = bearer((await person(t, 'validation')).tokens);
    admin = bearer(await login(t, ADMIN_EMAIL, ADMIN_PASSWORD));
  });
  afterAll(async () => {
    await t.close();
  });

  it('an empty PATCH (a domain rule) releases the key: the corrected PATCH under it is processed, then replayed', async () => {
    const created = await t.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Apollo' }, headers: alice });
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    const key = newKey('empty-patch');

    expectValidationFailed(await call('PATCH', `/projects/${id}`, {}, key), 'name', 'at_least_one_required');
    expect(await keyRows(key)).toEqual([]);

    const fixed = await call('PATCH', `/projects/${id}`, { name: 'Artemis' }, key);
    expect(fixed.statusCode).toBe(200);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    expect(fixed.json()).toMatchObject({ id, name: 'Artemis' });
    expect(await keyRows(key)).toEqual([{ status: 'completed', response_status: 200 }]);

    const again = await call('PATCH', `/projects/${id}`, { name: 'Artemis' }, key);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(fixed.body);
  });

  it('a reserved tenant slug (a service check) releases the key: the corrected request creates the tenant', async () => {
    const key = newKey('tenant');

    const refused = await call('POST', '/tenants', { name: 'Admins', slug: 'admin' }, key);
    expectValidationFailed(refused, 'slug', 'reserved_slug');
    expect(await keyRows(key)).toEqual([]);

    const fixed = await call('POST', '/tenants', { name: 'Admins', slug: 'admins-of-validation' }, key);
    expect(fixed.statusCode).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    expect(fixed.json()).toMatchObject({ name: 'Admins', slug: 'admins-of-validation' });
    expect(await keyRows(key)).toEqual([{ status: 'completed', response_status: 201 }]);
  });

  it('creating an API key is not idempotent: its answer holds the key, which no stored response may keep', async () => {
    const key = newKey('api-key');
    const first = await call('POST', '/auth/api-keys', { name: 'deploy' }, key);
    const second = await call('POST', '/auth/api-keys', { name: 'deploy' }, key);
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.json().key).not.toBe(first.json().key);
    expect(await keyRows(key)).toEqual([]);
    const stored = await t.db.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE response_body::text LIKE $1', [
      `%${first.json().key}%`,
    ]);
    expect(stored).toEqual([{ n: 0 }]);
  });

  it('the migration forgets API keys stored by the route when it was idempotent, and nothing else', async () => {
    const store = (key: string, body: string) =>
      t.db.query(
        `INSERT INTO idempotency_keys (scope_hash, key, fingerprint, status, lock_token, locked_at, response_status, response_body, expires_at)
         VALUES (repeat('a', 64), $1, repeat('b', 64), 'completed', gen_random_uuid(), now(), 201, $2, now() + interval '1 day')`,
        [key, body],
      );
    await store('old-api-key', '{"id":"3f1c","name":"ci","key":"bst_c2VjcmV0","prefix":"bst_c2Vj"}');
    await store('old-project', '{"id":"3f1d","name":"bst_ in a name","key":"not one"}');
    await new ForgetStoredApiKeys1797033600000().up({ query: (sql: string) => t.db.query(sql) } as unknown as QueryRunner);
    const left = await t.db.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE key LIKE 'old-%'`);
    expect(left).toEqual([{ key: 'old-project' }]);
  });

  it('a malformed id in the path (the UUID pipe) is refused every time, never stored and replayed', async () => {
    const key = newKey('bad-id');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const res = await call('PATCH', '/projects/not-a-uuid', { name: 'Artemis' }, key);
      expectValidationFailed(res, 'id', 'is_uuid');
      expect(res.json().errors).toEqual([{ field: 'id', code: 'is_uuid', message: 'id must be a UUID' }]);
    }
    expect(await keyRows(key)).toEqual([]);
  });

  it.each([
    ['POST', '/auth/sessions/not-a-uuid/revoke', 'alice'],
    ['DELETE', '/auth/api-keys/not-a-uuid', 'alice'],
    ['POST', '/auth/users/not-a-uuid/unlock', 'admin'],
  ] as const)('%s %s: a malformed id is the same 400 as every other path id', async (method, url, who) => {
    const res = await t.inject({ method, url: `/api/v1${url}`, headers: who === 'admin' ? admin : alice });
    expectValidationFailed(res, 'id', 'is_uuid');
    expect(res.json().errors).toEqual([{ field: 'id', code: 'is_uuid', message: 'id must be a UUID' }]);
  });

  // A variation selector (U+FE0F) after a character is a character to PostgreSQL's varchar(n), and
  // class-validator's length rules left it out: these were 500s at the insert.
  it.each([
    ['POST', '/projects', { name: `${'a'.repeat(200)}\uFE0F` }, 'name'],
    ['POST', '/tenants', { name: `${'a'.repeat(100)}\uFE0F`, slug: 'fe0f-tenant' }, 'name'],
    ['POST', '/auth/api-keys', { name: 'a\uFE0F'.repeat(60) }, 'name'],
  ] as const)(
    '%s %s: a name over its length in characters, variation selectors counted, is a 400',
    async (method, url, payload, field) => {
      const res = await call(method, url, payload, newKey('fe0f'));
      expectValidationFailed(res, field, 'is_length');
    },
  );

  it('a status message is counted in characters: 1,500 emoji (3,000 UTF-16 units) are within its 2,000', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/status/events',
      payload: { service: 'api', status: 'operational', message: '😀'.repeat(1500) },
      headers: admin,
    });
    expect(res.statusCode).toBe(201);
  });
});
