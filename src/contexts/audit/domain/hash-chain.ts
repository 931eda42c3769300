/**
 * The tamper-evident chain over audit rows. Framework-free: the writer seals rows with it,
 * `audit:verify` and the retention job check rows with it.
 *
 *   content = canonical JSON (RFC 8785 style: keys sorted, no white space) of the row's
 *             fields except `prev_hash` and `hash` (`seq` included, `occurred_at` as ISO 8601 UTC)
 *   hash    = hex(SHA-256(UTF-8(prev_hash + "\n" + content)))
 *
 * The first row's `prev_hash` is 64 zeros (`GENESIS_HASH`); after a retention run the chain
 * starts at the recorded anchor instead (the seq and hash of the last archived row).
 */
import { createHash } from 'node:crypto';
import type { AuditDraft } from './audit-record';
import type { JsonObject, JsonValue } from './pii';

export const GENESIS_HASH = '0'.repeat(64);

/** What a row says: its draft, its id and its place in the chain. The hash covers all of it. */
export interface AuditRowContent extends AuditDraft {
  id: string;
  /** Position in the chain: 1, 2, 3, ... without gaps. */
  seq: number;
}

export interface AuditRow extends AuditRowContent {
  prev_hash: string;
  hash: string;
}

/** A point in the chain: a row's seq and hash (seq 0 with `GENESIS_HASH` before the first row). */
export interface ChainPoint {
  seq: number;
  hash: string;
}

export const GENESIS: ChainPoint = { seq: 0, hash: GENESIS_HASH };

/** JSON with object keys sorted (by UTF-16 code units, as RFC 8785) at every level and no white space. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}

function contentOf(row: AuditRowContent): JsonObject {
  return {
    id: row.id,
    seq: row.seq,
    occurred_at: row.occurred_at,
    type: row.type,
    actor_id: row.actor_id,
    actor_ip: row.actor_ip,
    user_agent: row.user_agent,
    subject_type: row.subject_type,
    subject_id: row.subject_id,
    outcome: row.outcome,
    request_id: row.request_id,
    metadata: row.metadata,
  };
}

export function chainHash(prevHash: string, row: AuditRowContent): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson(contentOf(row))}`, 'utf8')
    .digest('hex');
}

/** The row as stored: linked to the previous row's hash and sealed with its own. */
export function sealRow(content: AuditRowContent, prevHash: string): AuditRow {
  return { ...content, prev_hash: prevHash, hash: chainHash(prevHash, content) };
}

export type ChainProblemKind =
  /** The row's content no longer matches its hash. */
  | 'altered'
  /** The row's prev_hash is not the previous row's hash (that row was altered and re-hashed, or this link was). */
  | 'broken_link'
  /** One or more rows are gone (a gap in seq, or missing at the end of the chain). */
  | 'missing'
  /** A row sits where the chain cannot have put it (a seq already passed, or beyond the recorded head). */
  | 'unexpected'
  /** The last row is not the recorded head of the chain. */
  | 'head_mismatch';

export interface ChainProblem {
  kind: ChainProblemKind;
  /** The seq at which the chain first fails. */
  seq: number;
  /** The id of the offending row (for `missing`: the first row after the gap, null at the end). */
  id: string | null;
  message: string;
}

/**
 * Checks rows one at a time, in seq order, from a starting point (genesis or the retention
 * anchor). Stops at the first problem: everything after it is unverifiable anyway.
 */
export class ChainVerifier {
  private last: ChainPoint;
  private lastId: string | null = null;
  private count = 0;
  private failure: ChainProblem | null = null;

  constructor(readonly start: ChainPoint = GENESIS) {
    this.last = { ...start };
  }

  /** Rows checked and found good. */
  get verified(): number {
    return this.count;
  }

  get problem(): ChainProblem | null {
    return this.failure;
  }

  /** The last good point reached. */
  get position(): ChainPoint {
    return { ...this.last };
  }

  /** Checks the next row; returns the first problem found (then and on every later call). */
  push(row: AuditRow): ChainProblem | null {
    if (this.failure) return this.failure;
    const expected = this.last.seq + 1;
    if (row.seq > expected) {
      const gap = row.seq - expected === 1 ? `row seq ${expected} is` : `rows seq ${expected}..${row.seq - 1} are`;
      return this.fail(
        'missing',
        expected,
        row.id,
        `${gap} missing: the chain jumps from seq ${this.last.seq} to row ${row.id} (seq ${row.seq})`,
      );
    }
    if (row.seq < expected) {
      return this.fail(
        'unexpected',
        row.seq,
        row.id,
        `row ${row.id} has seq ${row.seq}, but the chain is already at seq ${this.last.seq}`,
      );
    }
    if (chainHash(row.prev_hash, row) !== row.hash) {
      return this.fail(
        'altered',
        row.seq,
        row.id,
        `row ${row.id} (seq ${row.seq}) was altered: its content does not match its hash`,
      );
    }
    if (row.prev_hash !== this.last.hash) {
      const previous = this.lastId ? `row ${this.lastId} (seq ${this.last.seq})` : `the chain start (seq ${this.last.seq})`;
      return this.fail(
        'broken_link',
        row.seq,
        row.id,
        `row ${row.id} (seq ${row.seq}) does not link to ${previous}: one of them was altered and re-hashed`,
      );
    }
    this.last = { seq: row.seq, hash: row.hash };
    this.lastId = row.id;
    this.count += 1;
    return null;
  }

  /** After the last row: the chain must end exactly at the recorded head. */
  finish(head: ChainPoint): ChainProblem | null {
    if (this.failure) return this.failure;
    if (this.last.seq < head.seq) {
      const gap = head.seq - this.last.seq === 1 ? `row seq ${head.seq} is` : `rows seq ${this.last.seq + 1}..${head.seq} are`;
      return this.fail(
        'missing',
        this.last.seq + 1,
        null,
        `${gap} missing at the end of the chain (the head is at seq ${head.seq})`,
      );
    }
    if (this.last.seq > head.seq) {
      return this.fail(
        'unexpected',
        head.seq + 1,
        this.lastId,
        `rows beyond the recorded head (seq ${head.seq}) were added outside the chain`,
      );
    }
    if (this.last.hash !== head.hash) {
      return this.fail(
        'head_mismatch',
        head.seq,
        this.lastId,
        `the recorded head (seq ${head.seq}) does not match the last row's hash`,
      );
    }
    return null;
  }

  private fail(kind: ChainProblemKind, seq: number, id: string | null, message: string): ChainProblem {
    this.failure = { kind, seq, id, message };
    return this.failure;
  }
}

export interface ChainReport {
  ok: boolean;
  verified: number;
  start: ChainPoint;
  head: ChainPoint;
  problem: ChainProblem | null;
}

/** Verifies a whole in-memory run of rows (tests, archive files). */
export function verifyRows(rows: Iterable<AuditRow>, start: ChainPoint, head: ChainPoint): ChainReport {
  const verifier = new ChainVerifier(start);
  for (const row of rows) if (verifier.push(row)) break;
  const problem = verifier.finish(head);
  return { ok: problem === null, verified: verifier.verified, start, head, problem };
}
