import type { AuditRow, ChainPoint } from '../domain/hash-chain';

/** Anything that runs SQL: an EntityManager, a QueryRunner, a DataSource. */
export interface Sql {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/** A row of `audit_events` (`ROW_COLUMNS`) as the pg driver returns it: `seq` (bigint) as a string, `occurred_at` as a Date. */
type RawAuditRow = Omit<AuditRow, 'seq' | 'occurred_at'> & { seq: string; occurred_at: Date };

export const ROW_COLUMNS =
  '"id", "seq", "occurred_at", "type", "actor_id", "actor_ip", "user_agent", "subject_type", "subject_id", ' +
  '"outcome", "request_id", "metadata", "prev_hash", "hash"';

export function toAuditRow(raw: RawAuditRow): AuditRow {
  // The spread keeps the columns' order; only the two converted values are replaced in place.
  return { ...raw, seq: Number(raw.seq), occurred_at: raw.occurred_at.toISOString() };
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

/**
 * The tenant an audit row is about, in SQL (the view's expression index,
 * `migrations/*-AuditTenantIndex.ts`, is on this expression; `tenantOfRow` is its JS twin):
 * the subject of a tenancy event, else `metadata.tenant_id`. `alias`: the table's alias, if any.
 */
export function tenantOfEvent(alias?: string): string {
  const column = (name: string) => (alias ? `${alias}.${name}` : `"${name}"`);
  return `(CASE WHEN ${column('subject_type')} = 'tenant' THEN ${column('subject_id')} ELSE ${column('metadata')} ->> 'tenant_id' END)`;
}

/** Which of the rows a replay reads: up to a seq, of some types, about one tenant (each optional). */
export interface RowRange {
  upTo?: number;
  types?: readonly string[];
  tenantId?: string;
}

/**
 * Up to `limit` rows after seq `after` within `range`, in chain order. The filters are the
 * database's, so a stream's replay from far back reads its own rows (the tenant's, through the
 * tenant index), not the whole chain.
 */
export async function readRangeAfter(sql: Sql, after: number, limit: number, range: RowRange): Promise<AuditRow[]> {
  const where = ['"seq" > $1'];
  const values: unknown[] = [after, limit];
  const add = (condition: (n: number) => string, value: unknown) => {
    values.push(value);
    where.push(condition(values.length));
  };
  if (range.upTo !== undefined) add((n) => `"seq" <= $${n}`, range.upTo);
  if (range.types) add((n) => `"type" = ANY($${n}::varchar[])`, range.types);
  if (range.tenantId !== undefined) add((n) => `${tenantOfEvent()} = $${n}`, range.tenantId);
  const rows = await sql.query<RawAuditRow[]>(
    `SELECT ${ROW_COLUMNS} FROM "audit_events" WHERE ${where.join(' AND ')} ORDER BY "seq" LIMIT $2`,
    values,
  );
  return rows.map(toAuditRow);
}

/** Up to `limit` rows after seq `after`, in chain order. */
export function readRowsAfter(sql: Sql, after: number, limit: number): Promise<AuditRow[]> {
  return readRangeAfter(sql, after, limit, {});
}

/** The last `limit` rows of the chain, oldest first. */
export async function readLastRows(sql: Sql, limit: number): Promise<AuditRow[]> {
  const rows = await sql.query<RawAuditRow[]>(`SELECT ${ROW_COLUMNS} FROM "audit_events" ORDER BY "seq" DESC LIMIT $1`, [limit]);
  return rows.map(toAuditRow).reverse();
}
