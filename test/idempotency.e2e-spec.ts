import type { LightMyRequestResponse } from 'fastify';
import { JobRunner } from '../src/platform/jobs';
import { IdempotencyService } from '../src/contexts/idempotency/testing';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { bearer, login, register, uniqueEmail } from './support/auth';
import { IdempotencyProbe, IdempotencyTestModule } from './support/idempotency.module';

const ITEMS = '/api/v1/test-idempotency/items';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let counter = 0;
const newKey = (label = 'key'): string => `${label}-${Date.now().toString(36)}-${(counter += 1)}`;

interface KeyRow {
  scope_hash: string;
  key: string;
  fingerprint: string;
  status: string;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  locked_at: Date;
  expires_at: Date;
}

describe('idempotency (e2e)', () => {
  let t: TestApp;
  let probe: IdempotencyProbe;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let aliceId: string;

  beforeAll(async () => {
    t = await createTestApp({ imports: [IdempotencyTestModule] });
    probe = t.app.get(IdempotencyProbe);
    const a = await register(t, uniqueEmail('alice'));
    const b = await register(t, uniqueEmail('bob'));
    aliceId = a.id;
    alice = bearer(await login(t, a.email));
    bob = bearer(await login(t, b.email));
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}, url = ITEMS): Promise<LightMyRequestResponse> =>
    t.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers: { ...alice, ...headers } });
  const keyRows = (key: string): Promise<KeyRow[]> => t.db.query<KeyRow>('SELECT * FROM idempotency_keys WHERE key = $1', [key]);
  const itemCount = async (name: string): Promise<number> =>
    Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM idempotency_probe_items WHERE name = $1', [name]))[0].n);

  describe('without an Idempotency-Key', () => {
    it('runs the handler every time and stores nothing', async () => {
      const before = Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM idempotency_keys'))[0].n);
      const first = await post({ name: 'no-key' });
      const second = await post({ name: 'no-key' });
      expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
      expect(first.json().id).not.toBe(second.json().id);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(second.headers['idempotent-replayed']).toBeUndefined();
      expect(await itemCount('no-key')).toBe(2);
      expect(Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM idempotency_keys'))[0].n)).toBe(before);
    });
  });

  describe('the same key and the same request', () => {
    it('replays the stored status, headers and body with Idempotent-Replayed: true; the handler runs once', async () => {
      const key = newKey();
      const calls = probe.calls.create;
      const first = await post({ name: 'replayed', note: 'n' }, { 'idempotency-key': key });
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(first.headers.location).toBe(`${ITEMS}/${first.json().id}`);

      const second = await post({ name: 'replayed', note: 'n' }, { 'idempotency-key': key });
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toBe(first.body);
      expect(second.json().id).toMatch(UUID);
      expect(second.headers.location).toBe(first.headers.location);
      expect(second.headers['content-type']).toBe(first.headers['content-type']);
      expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);

      expect(probe.calls.create).toBe(calls + 1);
      expect(await itemCount('replayed')).toBe(1);
      const [row] = await keyRows(key);
      expect(row).toMatchObject({ status: 'completed', response_status: 201, response_body: first.body });
      expect(row.response_headers).toEqual({
        'content-type': 'application/json; charset=utf-8',
        location: first.headers.location,
      });
    });

    it('treats a body with other key order and whitespace as the same request', async () => {
      const key = newKey();
      const first = await t.inject({
        method: 'POST',
        url: ITEMS,
        headers: { ...alice, 'idempotency-key': key, 'content-type': 'application/json' },
        payload: '{"name":"canonical","note":"x"}',
      });
      const second = await t.inject({
        method: 'POST',
        url: ITEMS,
        headers: { ...alice, 'idempotency-key': key, 'content-type': 'application/json' },
        payload: '{ "note": "x",\n  "name": "canonical" }',
      });
      expect(first.statusCode).toBe(201);
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toBe(first.body);
      expect(await itemCount('canonical')).toBe(1);
    });

    it('replays a PATCH without applying it twice', async () => {
      const created = (await post({ name: 'patched' })).json();
      const key = newKey();
      const patch = () =>
        t.inject({
          method: 'PATCH',
          url: `${ITEMS}/${created.id}`,
          payload: { note: 'once' },
          headers: { ...alice, 'idempotency-key': key },
        });
      const first = await patch();
      const second = await patch();
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ revision: 2, note: 'once' });
      expect(second.statusCode).toBe(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toBe(first.body);
      expect((await t.db.query('SELECT revision FROM idempotency_probe_items WHERE id = $1', [created.id]))[0]).toEqual({
        revision: 2,
      });
    });

    it('replays a 204 with no body', async () => {
      const created = (await post({ name: 'touched' })).json();
      const key = newKey();
      const calls = probe.calls.touch;
      const touch = () =>
        t.inject({ method: 'POST', url: `${ITEMS}/${created.id}/touch`, headers: { ...alice, 'idempotency-key': key } });
      const first = await touch();
      const second = await touch();
      expect([first.statusCode, second.statusCode]).toEqual([204, 204]);
      expect(second.body).toBe('');
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(probe.calls.touch).toBe(calls + 1);
    });
  });

  describe('the same key with a different request', () => {
    it('answers 422 idempotency_key_reused and runs nothing', async () => {
      const key = newKey();
      expect((await post({ name: 'first-body' }, { 'idempotency-key': key })).statusCode).toBe(201);
      const calls = probe.calls.create;
      const res = await post({ name: 'second-body' }, { 'idempotency-key': key });
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
      expect(probe.calls.create).toBe(calls);
      expect(await itemCount('second-body')).toBe(0);
    });

    it('counts the query string as part of the request', async () => {
      const key = newKey();
      expect((await post({ name: 'query' }, { 'idempotency-key': key }, `${ITEMS}?source=a`)).statusCode).toBe(201);
      const res = await post({ name: 'query' }, { 'idempotency-key': key }, `${ITEMS}?source=b`);
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('idempotency_key_reused');
    });

    it('counts the preconditions (If-Match) as part of the request', async () => {
      const created = (await post({ name: 'precondition' })).json();
      const key = newKey();
      const patch = (ifMatch: string) =>
        t.inject({
          method: 'PATCH',
          url: `${ITEMS}/${created.id}`,
          payload: { note: 'x' },
          headers: { ...alice, 'idempotency-key': key, 'if-match': ifMatch },
        });
      expect((await patch('"v1"')).statusCode).toBe(200);
      expect((await patch('"v1"')).headers['idempotent-replayed']).toBe('true');
      const other = await patch('"v2"');
      expect(other.statusCode).toBe(422);
      expect(other.json().code).toBe('idempotency_key_reused');
    });
  });

  describe('concurrent requests with one key', () => {
    it('answers 409 idempotency_request_in_progress while the first is running, then replays it', async () => {
      const key = newKey();
      const gate = probe.hold('gated');
      const first = post({ name: 'gated' }, { 'idempotency-key': key });
      await gate.entered;
      expect((await keyRows(key))[0].status).toBe('in_progress');

      const second = await post({ name: 'gated' }, { 'idempotency-key': key });
      expect(second.statusCode).toBe(409);
      expect(second.json()).toMatchObject({ status: 409, code: 'idempotency_request_in_progress' });
      expect(second.headers['retry-after']).toBe('1');

      gate.release();
      expect((await first).statusCode).toBe(201);
      const third = await post({ name: 'gated' }, { 'idempotency-key': key });
      expect(third.statusCode).toBe(201);
      expect(third.headers['idempotent-replayed']).toBe('true');
      expect(await itemCount('gated')).toBe(1);
    });

    it('lets exactly one of two simultaneous requests run: one 201, one 409', async () => {
      const key = newKey();
      const responses = await Promise.all([
        post({ name: 'race', delay_ms: 300 }, { 'idempotency-key': key }),
        post({ name: 'race', delay_ms: 300 }, { 'idempotency-key': key }),
      ]);
      expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409]);
      expect(await itemCount('race')).toBe(1);
      expect(await keyRows(key)).toHaveLength(1);
    });

    it('decides races across instances through the unique index', async () => {
      await withTestApp({ db: t.db, imports: [IdempotencyTestModule] }, async (other) => {
        const key = newKey();
        const send = (app: TestApp) =>
          app.inject({
            method: 'POST',
            url: ITEMS,
            payload: { name: 'two-instances', delay_ms: 300 },
            headers: { ...alice, 'idempotency-key': key },
          });
        const responses = await Promise.all([send(t), send(other), send(t), send(other)]);
        expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
        expect(await itemCount('two-instances')).toBe(1);

        const replay = await send(other);
        expect(replay.statusCode).toBe(201);
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect(replay.body).toBe(responses.find((r) => r.statusCode === 201)?.body);
      });
    });
  });

  describe('outcomes that are not stored', () => {
    it('releases the key after a 500, so the same key can be retried', async () => {
      const key = newKey();
      probe.failuresLeft = 1;
      const failed = await post({ name: 'flaky' }, { 'idempotency-key': key });
      expect(failed.statusCode).toBe(500);
      expect(failed.json().code).toBe('internal_error');
      expect(await keyRows(key)).toHaveLength(0);

      const retried = await post({ name: 'flaky' }, { 'idempotency-key': key });
      expect(retried.statusCode).toBe(201);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      const replayed = await post({ name: 'flaky' }, { 'idempotency-key': key });
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.body).toBe(retried.body);
      expect(await itemCount('flaky')).toBe(1);
    });

    it('releases the key after a 429 from the handler', async () => {
      const key = newKey();
      const calls = probe.calls.create;
      const first = await post({ name: 'busy' }, { 'idempotency-key': key });
      const second = await post({ name: 'busy' }, { 'idempotency-key': key });
      expect([first.statusCode, second.statusCode]).toEqual([429, 429]);
      expect(second.headers['idempotent-replayed']).toBeUndefined();
      expect(probe.calls.create).toBe(calls + 2);
      expect(await keyRows(key)).toHaveLength(0);
    });

    it('releases the key when the body fails validation (the handler never ran), so a corrected body may use it', async () => {
      const key = newKey();
      const invalid = await post({ name: '' }, { 'idempotency-key': key });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().code).toBe('validation_failed');
      expect(await keyRows(key)).toHaveLength(0);
      const fixed = await post({ name: 'fixed' }, { 'idempotency-key': key });
      expect(fixed.statusCode).toBe(201);
    });
  });

  describe('client errors from the handler', () => {
    it('are stored and replayed like successes', async () => {
      const key = newKey();
      const calls = probe.calls.create;
      const first = await post({ name: 'taken' }, { 'idempotency-key': key });
      expect(first.statusCode).toBe(409);
      expect(first.json()).toMatchObject({ code: 'name_taken' });
      const second = await post({ name: 'taken' }, { 'idempotency-key': key });
      expect(second.statusCode).toBe(409);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.headers['content-type']).toBe(first.headers['content-type']);
      expect(second.json()).toEqual(first.json());
      expect(probe.calls.create).toBe(calls + 1);
    });

    it('include a 404 from PATCH', async () => {
      const key = newKey();
      const url = `${ITEMS}/00000000-0000-4000-8000-000000000000`;
      const patch = () =>
        t.inject({ method: 'PATCH', url, payload: { note: 'x' }, headers: { ...alice, 'idempotency-key': key } });
      const first = await patch();
      const second = await patch();
      expect([first.statusCode, second.statusCode]).toEqual([404, 404]);
      expect(second.headers['idempotent-replayed']).toBe('true');
    });
  });

  describe('invalid keys', () => {
    it.each([
      ['longer than 255 characters', 'k'.repeat(256), 'too_long'],
      ['empty', '', 'empty'],
      ['with a tab', 'abc\tdef', 'invalid_characters'],
      ['with a space', 'abc def', 'invalid_characters'],
      ['with a non-ASCII character', 'clé-1', 'invalid_characters'],
      ['with a control character (SOH)', 'abc\u0001def', 'invalid_characters'],
      ['with a newline', 'abc\ndef', 'invalid_characters'],
      ['with DEL', 'abc\u007fdef', 'invalid_characters'],
    ])('refuses a key %s with 400 before the handler runs', async (_label, key, reason) => {
      const calls = probe.calls.create;
      const res = await post({ name: 'invalid-key' }, { 'idempotency-key': key });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        code: 'invalid_idempotency_key',
        errors: [{ field: 'idempotency-key', code: reason }],
      });
      expect(probe.calls.create).toBe(calls);
    });

    it('refuses a repeated header', async () => {
      const res = await post({ name: 'invalid-key' }, { 'idempotency-key': ['key-a', 'key-b'] as unknown as string });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('invalid_idempotency_key');
    });

    it('accepts exactly 255 visible characters', async () => {
      const key = `${'k'.repeat(250)}-${(counter += 1).toString().padStart(4, '0')}`;
      expect(key).toHaveLength(255);
      expect((await post({ name: 'longest-key' }, { 'idempotency-key': key })).statusCode).toBe(201);
      expect((await post({ name: 'longest-key' }, { 'idempotency-key': key })).headers['idempotent-replayed']).toBe('true');
    });
  });

  describe('scope', () => {
    it('keeps two users with the same key apart', async () => {
      const key = newKey();
      const a = await post({ name: 'shared-key' }, { ...alice, 'idempotency-key': key });
      const b = await post({ name: 'shared-key' }, { ...bob, 'idempotency-key': key });
      expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
      expect(b.headers['idempotent-replayed']).toBeUndefined();
      expect(a.json().id).not.toBe(b.json().id);
      expect(await itemCount('shared-key')).toBe(2);
      expect(new Set((await keyRows(key)).map((r) => r.scope_hash)).size).toBe(2);
    });

    it('keeps an anonymous caller apart from a user, and anonymous callers apart by IP', async () => {
      const key = newKey();
      const anon = (ip: string) =>
        t.inject({
          method: 'POST',
          url: ITEMS,
          payload: { name: 'anon-key' },
          headers: { 'idempotency-key': key },
          remoteAddress: ip,
        });
      const user = await post({ name: 'anon-key' }, { 'idempotency-key': key });
      const first = await anon('198.51.100.7');
      const again = await anon('198.51.100.7');
      const otherIp = await anon('198.51.100.8');
      expect([user.statusCode, first.statusCode, again.statusCode, otherIp.statusCode]).toEqual([201, 201, 201, 201]);
      expect(first.json().owner_id).toBeNull();
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(otherIp.headers['idempotent-replayed']).toBeUndefined();
      expect(await itemCount('anon-key')).toBe(3);
    });

    it('keeps the same key on two concrete paths apart', async () => {
      const [a, b] = await Promise.all([post({ name: 'path-a' }), post({ name: 'path-b' })]).then((rs) =>
        rs.map((r) => r.json()),
      );
      const key = newKey();
      const patch = (id: string) =>
        t.inject({
          method: 'PATCH',
          url: `${ITEMS}/${id}`,
          payload: { note: 'same' },
          headers: { ...alice, 'idempotency-key': key },
        });
      const ra = await patch(a.id);
      const rb = await patch(b.id);
      expect([ra.statusCode, rb.statusCode]).toEqual([200, 200]);
      expect(rb.headers['idempotent-replayed']).toBeUndefined();
      expect(ra.json()).toMatchObject({ id: a.id, revision: 2 });
      expect(rb.json()).toMatchObject({ id: b.id, revision: 2 });
    });

    it('keeps the same key for POST and PATCH apart', async () => {
      const created = (await post({ name: 'method-scope' })).json();
      const key = newKey();
      expect((await post({ name: 'method-scope-post' }, { 'idempotency-key': key })).statusCode).toBe(201);
      const patched = await t.inject({
        method: 'PATCH',
        url: `${ITEMS}/${created.id}`,
        payload: { note: 'x' },
        headers: { ...alice, 'idempotency-key': key },
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.headers['idempotent-replayed']).toBeUndefined();
    });

    it('ignores the query string in the scope: the same path with another query is the same key', async () => {
      const key = newKey();
      expect((await post({ name: 'query-scope' }, { 'idempotency-key': key }, `${ITEMS}?page=1`)).statusCode).toBe(201);
      const again = await post({ name: 'query-scope' }, { 'idempotency-key': key }, `${ITEMS}?page=1`);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await keyRows(key)).toHaveLength(1);
    });

    it('stores only hashes of the scope and request, never the user id or IP', async () => {
      const key = newKey();
      await post({ name: 'pii-check', note: 'secret-note' }, { 'idempotency-key': key });
      const [row] = await keyRows(key);
      expect(row.scope_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      const withoutBody = JSON.stringify({ ...row, response_body: null });
      expect(withoutBody).not.toContain(aliceId);
      expect(withoutBody).not.toContain('127.0.0.1');
      expect(withoutBody).not.toContain('secret-note');
    });
  });

  describe('expiry', () => {
    it('forgets an expired key even before the cleanup job has run', async () => {
      const key = newKey();
      expect((await post({ name: 'expiring-1' }, { 'idempotency-key': key })).statusCode).toBe(201);
      await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 minute' WHERE key = $1`, [key]);
      const reused = await post({ name: 'expiring-2' }, { 'idempotency-key': key });
      expect(reused.statusCode).toBe(201);
      expect(reused.headers['idempotent-replayed']).toBeUndefined();
      const [row] = await keyRows(key);
      expect(row.expires_at.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
      expect(row.response_body).toBe(reused.body);
    });

    it('keeps keys for IDEMPOTENCY_TTL_HOURS (24 h by default)', async () => {
      const key = newKey();
      const before = Date.now();
      await post({ name: 'ttl' }, { 'idempotency-key': key });
      const [row] = await keyRows(key);
      expect(row.expires_at.getTime()).toBeGreaterThanOrEqual(before + 24 * 3_600_000 - 1000);
      expect(row.expires_at.getTime()).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000 + 1000);
    });

    it('deleteExpired removes expired keys and keeps live ones', async () => {
      const expired = newKey('expired');
      const live = newKey('live');
      await post({ name: 'cleanup-old' }, { 'idempotency-key': expired });
      await post({ name: 'cleanup-live' }, { 'idempotency-key': live });
      await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [expired]);

      const service = t.app.get(IdempotencyService);
      expect(await service.deleteExpired()).toBeGreaterThanOrEqual(1);
      expect(await keyRows(expired)).toHaveLength(0);
      expect(await keyRows(live)).toHaveLength(1);

      const later = new Date(Date.now() + 25 * 3_600_000);
      expect(await service.deleteExpired(undefined, later)).toBeGreaterThanOrEqual(1);
      expect(await keyRows(live)).toHaveLength(0);
    });

    it('the scheduled cleanup_idempotency_keys job deletes them once across instances', async () => {
      const key = newKey('scheduled');
      await post({ name: 'scheduled-cleanup' }, { 'idempotency-key': key });
      await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [key]);
      await t.app.get(IdempotencyService).cleanupScheduled();
      expect(await keyRows(key)).toHaveLength(0);
      const runs = await t.db.query<{ slot: Date; outcome: string }>(
        `SELECT slot, outcome FROM job_runs WHERE job = 'cleanup_idempotency_keys'`,
      );
      expect(runs).toEqual([{ slot: expect.any(Date), outcome: 'succeeded' }]);
      // Another run for the same hourly slot (this instance or another) is skipped.
      const again = await t.app
        .get(JobRunner)
        .runOnce('cleanup_idempotency_keys', 3_600_000, () => Promise.resolve(), runs[0].slot);
      expect(again).toBe('skipped');
    });
  });

  describe('abandoned attempts', () => {
    it('takes over an in_progress row older than the lock timeout; a fresh one still answers 409', async () => {
      const key = newKey();
      const first = await post({ name: 'crashed' }, { 'idempotency-key': key });
      expect(first.statusCode).toBe(201);
      // As if the process had crashed inside the handler: the row is still in progress.
      const crash = (age: string) =>
        t.db.query(
          `UPDATE idempotency_keys SET status = 'in_progress', response_status = NULL, response_headers = NULL,
                  response_body = NULL, completed_at = NULL, locked_at = now() - $2::interval WHERE key = $1`,
          [key, age],
        );

      await crash('5 seconds');
      const blocked = await post({ name: 'crashed' }, { 'idempotency-key': key });
      expect(blocked.statusCode).toBe(409);

      await crash('61 seconds');
      const calls = probe.calls.create;
      const taken = await post({ name: 'crashed' }, { 'idempotency-key': key });
      expect(taken.statusCode).toBe(201);
      expect(taken.headers['idempotent-replayed']).toBeUndefined();
      expect(probe.calls.create).toBe(calls + 1);
      const [row] = await keyRows(key);
      expect(row).toMatchObject({ status: 'completed', response_status: 201, response_body: taken.body });

      const replay = await post({ name: 'crashed' }, { 'idempotency-key': key });
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(taken.body);
    });

    it('does not let a stale attempt that finishes after a take-over overwrite the new result', async () => {
      const key = newKey();
      const gate = probe.hold('slow-stale');
      const stale = post({ name: 'slow-stale' }, { 'idempotency-key': key });
      await gate.entered;
      await t.db.query(`UPDATE idempotency_keys SET locked_at = now() - interval '2 minutes' WHERE key = $1`, [key]);

      const taken = await post({ name: 'slow-stale' }, { 'idempotency-key': key });
      expect(taken.statusCode).toBe(201);
      gate.release();
      const staleResponse = await stale;
      expect(staleResponse.statusCode).toBe(201);
      expect(staleResponse.body).not.toBe(taken.body);

      const replay = await post({ name: 'slow-stale' }, { 'idempotency-key': key });
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(taken.body);
    });

    it('honours IDEMPOTENCY_LOCK_TIMEOUT_SECONDS', async () => {
      try {
        await withTestApp(
          { db: t.db, imports: [IdempotencyTestModule], env: { IDEMPOTENCY_LOCK_TIMEOUT_SECONDS: '1' } },
          async (short) => {
            const key = newKey();
            const gate = short.app.get(IdempotencyProbe).hold('short-lock');
            const send = () =>
              short.inject({
                method: 'POST',
                url: ITEMS,
                payload: { name: 'short-lock' },
                headers: { ...alice, 'idempotency-key': key },
              });
            const held = send();
            await gate.entered;
            expect((await send()).statusCode).toBe(409);
            await new Promise((resolve) => setTimeout(resolve, 1100));
            const taken = await send();
            expect(taken.statusCode).toBe(201);
            gate.release();
            expect((await held).statusCode).toBe(201);
          },
        );
      } finally {
        delete process.env.IDEMPOTENCY_LOCK_TIMEOUT_SECONDS;
      }
    });
  });

  describe('OpenAPI', () => {
    it('documents the optional Idempotency-Key header and the 409/422 problems on @Idempotent() routes', async () => {
      const doc = (await t.inject({ method: 'GET', url: '/docs-json' })).json();
      for (const [path, method] of [
        ['/api/v1/test-idempotency/items', 'post'],
        ['/api/v1/test-idempotency/items/{id}', 'patch'],
      ]) {
        const operation = doc.paths[path][method];
        expect(operation.parameters).toContainEqual(
          expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
        );
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '409', '422', '500']));
        expect(operation.responses['422'].content['application/problem+json']).toBeDefined();
      }
    });
  });
});
