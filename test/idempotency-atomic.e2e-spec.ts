import type { LightMyRequestResponse } from 'fastify';
import { IDEMPOTENCY_LOCK_CLASS } from '../src/contexts/idempotency/testing';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { bearer, login, register, uniqueEmail } from './support/auth';
import { IdempotencyProbe, IdempotencyTestModule } from './support/idempotency.module';

/**
 * `@Idempotent({ atomic: true })` (docs/idempotency.md, "Atomic routes"): the handler's work,
 * the key's claim and its stored response share one transaction. The same contract as the
 * classic mode (test/idempotency.e2e-spec.ts), plus what only the shared transaction gives: a
 * running attempt leaves nothing committed, an error outcome keeps none of the handler's work,
 * and a request that dies mid-way leaves the key free.
 */
const ITEMS = '/api/v1/test-idempotency/atomic-items';

let counter = 0;
const newKey = (label = 'atomic'): string => `${label}-${Date.now().toString(36)}-${(counter += 1)}`;

interface KeyRow {
  id: string;
  scope_hash: string;
  status: string;
  response_status: number | null;
  response_body: string | null;
  expires_at: Date;
}

describe('idempotency, atomic routes (e2e)', () => {
  let t: TestApp;
  let probe: IdempotencyProbe;
  let alice: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ imports: [IdempotencyTestModule] });
    probe = t.app.get(IdempotencyProbe);
    const a = await register(t, uniqueEmail('atomic'));
    alice = bearer(await login(t, a.email));
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (payload: unknown, key: string, app: TestApp = t): Promise<LightMyRequestResponse> =>
    app.inject({
      method: 'POST',
      url: ITEMS,
      payload: payload as Record<string, unknown>,
      headers: { ...alice, 'idempotency-key': key },
    });
  const keyRows = (key: string): Promise<KeyRow[]> => t.db.query<KeyRow>('SELECT * FROM idempotency_keys WHERE key = $1', [key]);
  const itemCount = async (name: string): Promise<number> =>
    Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM idempotency_probe_items WHERE name = $1', [name]))[0].n);

  it('stores the response with the work and replays it: the handler runs once', async () => {
    const key = newKey();
    const calls = probe.calls.create;
    const first = await post({ name: 'atomic-replay' }, key);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post({ name: 'atomic-replay' }, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.body).toBe(first.body);
    expect(probe.calls.create).toBe(calls + 1);
    expect(await itemCount('atomic-replay')).toBe(1);
    expect(await keyRows(key)).toEqual([
      expect.objectContaining({ status: 'completed', response_status: 201, response_body: first.body }),
    ]);
  });

  it('answers 422 to the same key with another request, running nothing', async () => {
    const key = newKey();
    expect((await post({ name: 'atomic-a' }, key)).statusCode).toBe(201);
    const calls = probe.calls.create;
    const other = await post({ name: 'atomic-b' }, key);
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    expect(probe.calls.create).toBe(calls);
    expect(await itemCount('atomic-b')).toBe(0);
  });

  it('answers 409 while the first request runs, with nothing of it committed yet; then replays it', async () => {
    const key = newKey();
    const gate = probe.hold('atomic-gated');
    const first = post({ name: 'atomic-gated' }, key);
    await gate.entered;
    // The item is written and the key held, but neither is visible outside the transaction.
    expect(await keyRows(key)).toEqual([]);
    expect(await itemCount('atomic-gated')).toBe(0);

    const second = await post({ name: 'atomic-gated' }, key);
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ status: 409, code: 'idempotency_request_in_progress' });
    expect(second.headers['retry-after']).toBe('1');

    gate.release();
    expect((await first).statusCode).toBe(201);
    const third = await post({ name: 'atomic-gated' }, key);
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(await itemCount('atomic-gated')).toBe(1);
  });

  it('lets exactly one of simultaneous requests run, across instances', async () => {
    await withTestApp({ db: t.db, imports: [IdempotencyTestModule] }, async (other) => {
      const key = newKey();
      const payload = { name: 'atomic-race', delay_ms: 300 };
      const responses = await Promise.all([
        post(payload, key),
        post(payload, key, other),
        post(payload, key),
        post(payload, key, other),
      ]);
      expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
      expect(await itemCount('atomic-race')).toBe(1);
      expect(await keyRows(key)).toHaveLength(1);
      const replay = await post(payload, key, other);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(responses.find((r) => r.statusCode === 201)?.body);
    });
  });

  it('rolls the work back after a 500 and leaves the key free for the retry', async () => {
    const key = newKey();
    probe.failuresLeft = 1;
    const failed = await post({ name: 'atomic-flaky' }, key);
    expect(failed.statusCode).toBe(500);
    // The handler had written its item before it failed: the write is gone with the attempt.
    expect(await itemCount('atomic-flaky')).toBe(0);
    expect(await keyRows(key)).toHaveLength(0);

    const retried = await post({ name: 'atomic-flaky' }, key);
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await itemCount('atomic-flaky')).toBe(1);
  });

  it('stores a client error and replays it, keeping none of the work the handler did before it', async () => {
    const key = newKey();
    const calls = probe.calls.create;
    const first = await post({ name: 'taken' }, key);
    expect(first.statusCode).toBe(409);
    expect(first.json()).toMatchObject({ code: 'name_taken' });
    expect(await itemCount('taken')).toBe(0);
    const second = await post({ name: 'taken' }, key);
    expect(second.statusCode).toBe(409);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(probe.calls.create).toBe(calls + 1);
  });

  it('stores nothing when the body fails validation, so a corrected body may use the key', async () => {
    const key = newKey();
    expect((await post({ name: '' }, key)).statusCode).toBe(400);
    expect(await keyRows(key)).toHaveLength(0);
    expect((await post({ name: 'atomic-fixed' }, key)).statusCode).toBe(201);
  });

  it('leaves nothing behind when the connection dies mid-way: no key, no item, and the retry runs', async () => {
    const key = newKey();
    const gate = probe.hold('atomic-crash');
    const doomed = post({ name: 'atomic-crash' }, key);
    await gate.entered;
    // As if the process had died: PostgreSQL ends the session holding the key's lock (the request gets
    // the 503 of a lost database connection).
    const killed = await t.db.query<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_locks
        WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2 AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [IDEMPOTENCY_LOCK_CLASS],
    );
    expect(killed).toEqual([{ ok: true }]);
    gate.release();
    const failed = await doomed;
    expect(failed.statusCode).toBe(503);
    expect(failed.json().code).toBe('dependency_unavailable');
    expect(await keyRows(key)).toHaveLength(0);
    expect(await itemCount('atomic-crash')).toBe(0);

    const retried = await post({ name: 'atomic-crash' }, key);
    expect(retried.statusCode).toBe(201);
    expect(await itemCount('atomic-crash')).toBe(1);
  });

  it('rolls back and replays when another request completed the key after the claim read it', async () => {
    // The scope and fingerprint of this very request, from the same request under another key.
    const seen = newKey();
    expect((await post({ name: 'atomic-late' }, seen)).statusCode).toBe(201);
    const [{ id: seenId }] = await keyRows(seen);

    const key = newKey();
    const gate = probe.hold('atomic-late');
    const late = post({ name: 'atomic-late' }, key);
    await gate.entered;
    // What another request (one the claim's snapshot missed, or a classic-mode one) stored meanwhile.
    const winner = JSON.stringify({ id: 'winner' });
    await t.db.query(
      `INSERT INTO idempotency_keys (scope_hash, key, fingerprint, status, lock_token, locked_at, expires_at,
                                     response_status, response_headers, response_body, completed_at)
       SELECT scope_hash, $1, fingerprint, 'completed', gen_random_uuid(), now(), now() + interval '1 hour',
              201, '{"content-type":"application/json; charset=utf-8"}', $2, now()
         FROM idempotency_keys WHERE id = $3`,
      [key, winner, seenId],
    );
    gate.release();
    const response = await late;
    expect(response.statusCode).toBe(201);
    expect(response.headers['idempotent-replayed']).toBe('true');
    expect(response.body).toBe(winner);
    // The late attempt's item rolled back with it: only the first request's is there.
    expect(await itemCount('atomic-late')).toBe(1);
  });

  it('takes over an expired key, replacing its row', async () => {
    const key = newKey();
    expect((await post({ name: 'atomic-expiring' }, key)).statusCode).toBe(201);
    await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 minute' WHERE key = $1`, [key]);
    const reused = await post({ name: 'atomic-expired' }, key);
    expect(reused.statusCode).toBe(201);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    const rows = await keyRows(key);
    expect(rows).toHaveLength(1);
    expect(rows[0].response_body).toBe(reused.body);
    expect(rows[0].expires_at.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });

  it('respects an attempt of the classic mode still in progress, and takes over an abandoned one', async () => {
    const key = newKey();
    expect((await post({ name: 'atomic-legacy' }, key)).statusCode).toBe(201);
    const inProgress = (age: string) =>
      t.db.query(
        `UPDATE idempotency_keys SET status = 'in_progress', response_status = NULL, response_body = NULL,
                completed_at = NULL, locked_at = now() - $2::interval WHERE key = $1`,
        [key, age],
      );
    await inProgress('5 seconds');
    expect((await post({ name: 'atomic-legacy' }, key)).statusCode).toBe(409);
    await inProgress('61 seconds');
    const taken = await post({ name: 'atomic-legacy' }, key);
    expect(taken.statusCode).toBe(201);
    expect(taken.headers['idempotent-replayed']).toBeUndefined();
    expect(await keyRows(key)).toEqual([expect.objectContaining({ status: 'completed', response_body: taken.body })]);
  });
});
