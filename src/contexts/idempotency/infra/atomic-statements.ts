import { escapeLiteral } from 'pg';

/**
 * The statements of the atomic mode (docs/idempotency.md, "Atomic routes"), sent in the round
 * trips of the handler's START TRANSACTION and COMMIT. Those travel in PostgreSQL's simple query
 * protocol, which takes no parameters, so every value here is a literal: hashes and ids are
 * checked against their alphabet, everything else goes through pg's `escapeLiteral`.
 */

/**
 * The first key of `pg_try_advisory_xact_lock(class, hash)` for idempotency keys ("IDMP"). The
 * two-key form is a lock space of its own: the one-key locks of the job runner, the lockout
 * store and the migrations never collide with it.
 */
export const IDEMPOTENCY_LOCK_CLASS = 0x49444d50;

/** Where the handler's work starts: rolled back to when its outcome is a stored error. */
const SAVEPOINT = 'idempotent_handler';

const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function hex64(value: string): string {
  if (!HEX64.test(value)) throw new Error('expected a sha256 hex digest');
  return `'${value}'`;
}

function uuid(value: string): string {
  if (!UUID.test(value)) throw new Error('expected a uuid');
  return `'${value}'`;
}

function timestamp(value: Date): string {
  return `${escapeLiteral(value.toISOString())}::timestamptz`;
}

export interface AtomicKey {
  scopeHash: string;
  key: string;
}

/** The key's row as the claim returns it (the columns of idempotency_keys, snake_case). */
export interface ClaimedRow {
  id: string;
  fingerprint: string;
  status: 'in_progress' | 'completed';
  lock_token: string;
  locked_at: Date;
  expires_at: Date;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

/**
 * Sent with START TRANSACTION: takes the key's transaction-scoped advisory lock without
 * waiting (`locked` false: another request holds the key right now) and reads the key's row,
 * then marks the savepoint the handler's work starts from.
 */
export function claimStatements({ scopeHash, key }: AtomicKey): string {
  return [
    `SELECT pg_try_advisory_xact_lock(${IDEMPOTENCY_LOCK_CLASS}, hashtext(${escapeLiteral(`${scopeHash}:${key}`)})) AS locked,` +
      ' k.id, k.fingerprint, k.status, k.lock_token, k.locked_at, k.expires_at, k.response_status, k.response_headers,' +
      ' k.response_body FROM (SELECT 1) AS one LEFT JOIN idempotency_keys k' +
      ` ON k.scope_hash = ${hex64(scopeHash)} AND k.key = ${escapeLiteral(key)}`,
    `SAVEPOINT ${SAVEPOINT}`,
  ].join('; ');
}

/** What the claim read: whether the lock was free, and the key's row (null: none). */
export function readClaim(opened: Record<string, unknown>[][]): { locked: boolean; row: ClaimedRow | null } {
  const row = opened[0]?.[0];
  if (!row) throw new Error('the idempotency claim returned no row');
  return { locked: row.locked === true, row: row.id ? (row as unknown as ClaimedRow) : null };
}

export interface CompletedAttempt extends AtomicKey {
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: string | null;
  now: Date;
  expiresAt: Date;
  /** The dead row (expired, abandoned) the claim found and this attempt replaces; null when there was none. */
  replacing: string | null;
  /** The handler's outcome is an error: its work is rolled back, its response stored. */
  discardWork: boolean;
}

/**
 * Sent with COMMIT: the completed row. A plain INSERT, so that if another request has stored an
 * outcome for the key since the claim read it (a race the lock narrows but a statement snapshot
 * cannot close), the unique index refuses it, the COMMIT does not run, and the whole attempt
 * rolls back.
 */
export function completionStatements(a: CompletedAttempt): string {
  if (!Number.isInteger(a.status) || a.status < 100 || a.status > 599) throw new Error('expected an HTTP status');
  const statements: string[] = [];
  if (a.discardWork) statements.push(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
  if (a.replacing) statements.push(`DELETE FROM idempotency_keys WHERE id = ${uuid(a.replacing)}`);
  statements.push(
    'INSERT INTO idempotency_keys (scope_hash, key, fingerprint, status, lock_token, locked_at, expires_at,' +
      ' response_status, response_headers, response_body, completed_at) VALUES (' +
      [
        hex64(a.scopeHash),
        escapeLiteral(a.key),
        hex64(a.fingerprint),
        `'completed'`,
        'gen_random_uuid()',
        timestamp(a.now),
        timestamp(a.expiresAt),
        String(a.status),
        `${escapeLiteral(JSON.stringify(a.headers))}::jsonb`,
        a.body === null ? 'NULL' : escapeLiteral(a.body),
        timestamp(a.now),
      ].join(', ') +
      ')',
  );
  return statements.join('; ');
}
