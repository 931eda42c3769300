import { claimStatements, completionStatements, IDEMPOTENCY_LOCK_CLASS, readClaim } from './atomic-statements';

const scopeHash = 'a'.repeat(64);
const fingerprint = 'b'.repeat(64);
const now = new Date('2026-12-04T10:00:00.000Z');
const attempt = {
  scopeHash,
  key: 'k-1',
  fingerprint,
  status: 201,
  headers: { location: '/x' },
  body: '{"id":"1"}',
  now,
  expiresAt: new Date('2026-12-05T10:00:00.000Z'),
  replacing: null,
  discardWork: false,
};

describe('atomic idempotency statements', () => {
  it('claim: the key’s lock (without waiting) and its row, then the savepoint of the handler’s work', () => {
    const sql = claimStatements({ scopeHash, key: 'k-1' });
    expect(sql).toContain(`pg_try_advisory_xact_lock(${IDEMPOTENCY_LOCK_CLASS}, hashtext('${scopeHash}:k-1'))`);
    expect(sql).toContain(`k.scope_hash = '${scopeHash}' AND k.key = 'k-1'`);
    expect(sql.endsWith('; SAVEPOINT idempotent_handler')).toBe(true);
  });

  it('escapes every character a key may hold (all visible ASCII, quotes and backslashes included)', () => {
    const key = `it's\\'; DROP TABLE x; --`;
    const sql = claimStatements({ scopeHash, key });
    expect(sql).toContain(`k.key =  E'it''s\\\\''; DROP TABLE x; --'`);
    expect(completionStatements({ ...attempt, key })).toContain(` E'it''s\\\\''; DROP TABLE x; --'`);
  });

  it('refuses a scope or fingerprint that is not a sha256 hex digest, an id that is not a uuid, a status that is not HTTP', () => {
    expect(() => claimStatements({ scopeHash: `${'a'.repeat(63)}'`, key: 'k' })).toThrow('sha256');
    expect(() => completionStatements({ ...attempt, fingerprint: 'x' })).toThrow('sha256');
    expect(() => completionStatements({ ...attempt, replacing: "1'; --" })).toThrow('uuid');
    expect(() => completionStatements({ ...attempt, status: 99 })).toThrow('HTTP status');
    expect(() => completionStatements({ ...attempt, status: 201.5 })).toThrow('HTTP status');
  });

  it('completion: a plain insert of the completed row (the unique index refuses a key completed meanwhile)', () => {
    const sql = completionStatements(attempt);
    expect(sql).toMatch(/^INSERT INTO idempotency_keys \(/);
    expect(sql).not.toMatch(/ON CONFLICT/);
    expect(sql).toContain(`'completed', gen_random_uuid(), '2026-12-04T10:00:00.000Z'::timestamptz`);
    expect(sql).toContain(`201, '{"location":"/x"}'::jsonb, '{"id":"1"}'`);
  });

  it('completion of an error outcome rolls the work back first; of a taken-over key, deletes the dead row', () => {
    const id = '0b6f8a6e-3f4c-4b8e-9d2a-1c2b3d4e5f60';
    const sql = completionStatements({ ...attempt, status: 409, body: null, discardWork: true, replacing: id });
    expect(sql.split('; ').slice(0, 2)).toEqual([
      'ROLLBACK TO SAVEPOINT idempotent_handler',
      `DELETE FROM idempotency_keys WHERE id = '${id}'`,
    ]);
    expect(sql).toContain(`409, '{"location":"/x"}'::jsonb, NULL,`);
  });

  it('reads the claim: the lock, and the row only when the key has one', () => {
    expect(readClaim([[{ locked: true, id: null }]])).toEqual({ locked: true, row: null });
    expect(readClaim([[{ locked: false, id: 'r', status: 'completed' }]])).toEqual({
      locked: false,
      row: { locked: false, id: 'r', status: 'completed' },
    });
    expect(() => readClaim([])).toThrow('no row');
  });
});
