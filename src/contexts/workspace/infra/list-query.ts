import type { EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { escapeLike } from '../../../platform/database/like';
import { ifMatchSatisfied, strongEtag } from '../../../platform/http/etag';
import { type Actor, isAdmin } from '../../../platform/ownership';
import { WorkspaceError, type WorkspaceResource } from '../domain/workspace.errors';

export interface ListCriteria {
  /** Column holding the owner, and the owners to restrict to (`null`: no restriction). */
  owner?: { column: string; scope: { ownerIds: string[] } | null };
  /** Case-insensitive substring match on one column; empty or absent means no filter. */
  text?: { column: string; value: string | undefined };
  /** Exact matches; undefined values are skipped. */
  equals?: Record<string, string | undefined>;
}

/**
 * Applies the workspace list filters and the stable ordering (newest first, id breaking
 * ties) that every workspace list uses and its `(…, created_at DESC, id DESC)` indexes serve.
 */
export function applyListCriteria<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  criteria: ListCriteria,
): SelectQueryBuilder<T> {
  const { owner, text, equals = {} } = criteria;
  if (owner?.scope) {
    if (owner.scope.ownerIds.length === 0) qb.andWhere('1 = 0');
    else qb.andWhere(`${alias}.${owner.column} IN (:...ownerIds)`, { ownerIds: owner.scope.ownerIds });
  }
  if (text?.value) {
    qb.andWhere(`${alias}.${text.column} ILIKE :q ESCAPE '\\'`, { q: `%${escapeLike(text.value)}%` });
  }
  for (const [column, value] of Object.entries(equals)) {
    if (value !== undefined) qb.andWhere(`${alias}.${column} = :eq_${column}`, { [`eq_${column}`]: value });
  }
  return qb.orderBy(`${alias}.created_at`, 'DESC').addOrderBy(`${alias}.id`, 'DESC');
}

/**
 * Reads one owned row and locks it (`FOR UPDATE`) for the rest of the transaction, so a
 * compare-and-update (If-Match) cannot interleave with another writer on any instance.
 * A user gets only their own rows; someone else's is `null`, exactly like an unknown id.
 */
export function lockOwned<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  actor: Actor,
  ownerColumn = 'owner_id',
): Promise<T | null> {
  const qb = m.createQueryBuilder(entity, 'r').setLock('pessimistic_write').where('r.id = :id', { id });
  if (!isAdmin(actor)) qb.andWhere(`r.${ownerColumn} = :actorId`, { actorId: actor.id });
  return qb.getOne();
}

/** An owned resource as `lockForChange` sees it: its table, its name in errors, its representation. */
export interface OwnedResource<T extends ObjectLiteral, V> {
  entity: EntityTarget<T>;
  resource: WorkspaceResource;
  toView: (row: T) => V;
}

/**
 * `lockOwned` for a change (PATCH, DELETE): the row and its representation before the change;
 * 404 for a row the actor may not see (exactly like an unknown id); 412 when `ifMatch` is
 * given and is not the strong ETag of that representation.
 */
export async function lockForChange<T extends ObjectLiteral, V>(
  m: EntityManager,
  owned: OwnedResource<T, V>,
  id: string,
  actor: Actor,
  ifMatch: string | undefined,
): Promise<{ row: T; before: V }> {
  const row = await lockOwned(m, owned.entity, id, actor);
  if (!row) throw WorkspaceError.notFound(owned.resource);
  const before = owned.toView(row);
  if (!ifMatchSatisfied(ifMatch, strongEtag(before))) throw WorkspaceError.preconditionFailed();
  return { row, before };
}
