import type { EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { escapeLike } from '../../../platform/database/like';
import { scopedQuery } from '../../../platform/database/tenant-scope';
import { ifMatchSatisfied, strongEtag } from '../../../platform/http/etag';
import { type Actor, canChange } from '../../../platform/ownership';
import { WorkspaceError, type WorkspaceResource } from '../domain/workspace.errors';

export interface ListCriteria {
  /** Case-insensitive substring match on one column; empty or absent means no filter. */
  text?: { column: string; value: string | undefined };
  /** Exact matches; undefined values are skipped. */
  equals?: Record<string, string | undefined>;
}

/**
 * One condition of a workspace list filter, for both ways a list is read (`listQuery` through
 * TypeORM's builder, `listPage` in hand-written SQL): `sql` compares `column` with the
 * placeholder it is given; `value` is bound to that placeholder; `key` names the condition (a
 * parameter name, a part of a prepared statement's name).
 */
export interface ListCondition {
  column: string;
  key: string;
  value: string;
  sql: (column: string, placeholder: string) => string;
}

const containsText = (column: string, placeholder: string): string => `${column} ILIKE ${placeholder} ESCAPE '\\'`;
const equalTo = (column: string, placeholder: string): string => `${column} = ${placeholder}`;

/** The conditions `criteria` asks for, in a fixed order (the text filter first, then the equalities). */
export function listConditions(criteria: ListCriteria): ListCondition[] {
  const { text, equals = {} } = criteria;
  const conditions: ListCondition[] = [];
  if (text?.value) {
    conditions.push({ column: text.column, key: `q${text.column}`, value: `%${escapeLike(text.value)}%`, sql: containsText });
  }
  for (const [column, value] of Object.entries(equals)) {
    if (value !== undefined) conditions.push({ column, key: column, value, sql: equalTo });
  }
  return conditions;
}

/** The order of every workspace list: newest first, id breaking ties. */
export const LIST_ORDER = [
  ['created_at', 'DESC'],
  ['id', 'DESC'],
] as const;

/** `LIST_ORDER` as an ORDER BY list, for hand-written SQL. */
export const LIST_ORDER_SQL = LIST_ORDER.map(([column, direction]) => `${column} ${direction}`).join(', ');

/**
 * A tenant's list: the scope's tenant (`scopedQuery`), the workspace list filters, and the stable
 * ordering (newest first, id breaking ties) that every workspace list uses and its
 * `(tenant_id, …, created_at DESC, id DESC)` indexes serve.
 */
export function listQuery<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  alias: string,
  criteria: ListCriteria,
): SelectQueryBuilder<T> {
  const qb = scopedQuery(m, entity, alias);
  for (const c of listConditions(criteria)) {
    qb.andWhere(c.sql(`${alias}.${c.column}`, `:f_${c.key}`), { [`f_${c.key}`]: c.value });
  }
  for (const [column, direction] of LIST_ORDER) qb.addOrderBy(`${alias}.${column}`, direction);
  return qb;
}

/** One item of the scope's tenant, or null (unknown, or another tenant's: the same answer). */
export function findInTenant<T extends ObjectLiteral>(m: EntityManager, entity: EntityTarget<T>, id: string): Promise<T | null> {
  return scopedQuery(m, entity, 'r').andWhere('r.id = :id', { id }).getOne();
}

/** A tenant-owned resource as `lockForChange` sees it: its table, its name in errors, its owner, its representation. */
export interface OwnedResource<T extends ObjectLiteral, V> {
  entity: EntityTarget<T>;
  resource: WorkspaceResource;
  ownerOf: (row: T) => string;
  toView: (row: T) => V;
}

/**
 * Reads one item of the scope's tenant for a change (PATCH, DELETE) and locks it (`FOR UPDATE`)
 * for the rest of the transaction, so a compare-and-update (If-Match) cannot interleave with
 * another writer on any instance. Returns the row and its representation before the change.
 * 404 for an unknown id (or another tenant's); 403 `forbidden` when the actor may read but not
 * change it (`canChange`); 412 when `ifMatch` is given and is not the strong ETag of that
 * representation.
 */
export async function lockForChange<T extends ObjectLiteral, V>(
  m: EntityManager,
  owned: OwnedResource<T, V>,
  id: string,
  actor: Actor,
  ifMatch: string | undefined,
): Promise<{ row: T; before: V }> {
  const row = await scopedQuery(m, owned.entity, 'r').setLock('pessimistic_write').andWhere('r.id = :id', { id }).getOne();
  if (!row) throw WorkspaceError.notFound(owned.resource);
  if (!canChange(actor, owned.ownerOf(row))) throw WorkspaceError.notYours(owned.resource);
  const before = owned.toView(row);
  if (!ifMatchSatisfied(ifMatch, strongEtag(before))) throw WorkspaceError.preconditionFailed();
  return { row, before };
}
