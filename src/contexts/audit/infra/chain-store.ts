import type { AuditOutcome } from '../domain/audit-mapping';
import type { AuditRow, ChainPoint } from '../domain/hash-chain';
import type { JsonObject } from '../domain/pii';

/** Anything that runs SQL: an EntityManager, a QueryRunner, a DataSource. */
export interface Sql {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/** A row of `audit_events` as the pg driver returns it. */
interface RawAuditRow {
  id: string;
  seq: string;
  occurred_at: Date;
  type: string;
  actor_id: string | null;
  actor_ip: string | null;
  user_agent: string | null;
  subject_type: string | null;
  subject_id: string | null;
  outcome: AuditOutcome;
  request_id: string | null;
  metadata: JsonObject;
  prev_hash: string;
  hash: string;
}

export const ROW_COLUMNS =
  '"id", "seq", "occurred_at", "type", "actor_id", "actor_ip", "user_agent", "subject_type", "subject_id", ' +
  '"outcome", "request_id", "metadata", "prev_hash", "hash"';

export function toAuditRow(raw: RawAuditRow): AuditRow {
  return {
    id: raw.id,
    seq: Number(raw.seq),
    occurred_at: raw.occurred_at.toISOString(),
    type: raw.type,
    actor_id: raw.actor_id,
    actor_ip: raw.actor_ip,
    user_agent: raw.user_agent,
    subject_type: raw.subject_type,
    subject_id: raw.subject_id,
    outcome: raw.outcome,
    request_id: raw.request_id,
    metadata: raw.metadata,
    prev_hash: raw.prev_hash,
    hash: raw.hash,
  };
}

export interface ChainState {
  head: ChainPoint;
  anchor: ChainPoint;
}

export async function readChainState(sql: Sql): Promise<ChainState> {
  const [row] = await sql.query<{ head_seq: string; head_hash: string; anchor_seq: string; anchor_hash: string }[]>(
    `SELECT "head_seq", "head_hash", "anchor_seq", "anchor_hash" FROM "audit_chain" WHERE "id" = 1`,
  );
  if (!row) throw new Error('audit_chain has no head row: the Audit migration has not run');
  return {
    head: { seq: Number(row.head_seq), hash: row.head_hash },
    anchor: { seq: Number(row.anchor_seq), hash: row.anchor_hash },
  };
}

/** Up to `limit` rows after seq `after`, in chain order. */
export async function readRowsAfter(sql: Sql, after: number, limit: number): Promise<AuditRow[]> {
  const rows = await sql.query<RawAuditRow[]>(
    `SELECT ${ROW_COLUMNS} FROM "audit_events" WHERE "seq" > $1 ORDER BY "seq" LIMIT $2`,
    [after, limit],
  );
  return rows.map(toAuditRow);
}

/** The last `limit` rows of the chain, oldest first. */
export async function readLastRows(sql: Sql, limit: number): Promise<AuditRow[]> {
  const rows = await sql.query<RawAuditRow[]>(`SELECT ${ROW_COLUMNS} FROM "audit_events" ORDER BY "seq" DESC LIMIT $1`, [limit]);
  return rows.map(toAuditRow).reverse();
}
