import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../../../platform/database/prepared';
import { currentTenantId } from '../../../platform/database/tenant-scope';
import { type Page, pageWindow, toPage } from '../../../platform/http/pagination';
import { LIST_ORDER_SQL, type ListCriteria, listConditions } from './list-query';

/**
 * A hot list read in hand-written SQL, for the lists that pay for it (the project list): the
 * statements `listQuery` + `pageOf` make TypeORM send (the page, then the count when the page
 * is full or an offset page came back empty), with the same filters, order and totals, but
 * neither built through the query builder nor hydrated into entities, and prepared once per
 * connection under a name (PostgreSQL parses and plans each variant once per connection).
 */
export interface ListTable<V> {
  /** The table, and the name prefix of its prepared statements. */
  table: string;
  /** The selected columns, as the view needs them. */
  columns: readonly string[];
  /** The columns `ListCriteria.text` and `equals` may name. */
  filterable: readonly string[];
  toView: (row: Record<string, unknown>) => V;
}

/** A page of the scope's tenant's rows of `t` (see `ListTable`). */
export async function listPage<V>(
  m: EntityManager,
  t: ListTable<V>,
  criteria: ListCriteria,
  query: { page: number; page_size: number },
): Promise<Page<V>> {
  const { skip, take } = pageWindow(query);
  const where = ['tenant_id = $1'];
  const values: unknown[] = [currentTenantId()];
  // The statement's name says which filters it has; the values never reach the text.
  let variant = '';
  for (const c of listConditions(criteria)) {
    if (!t.filterable.includes(c.column)) throw new Error(`${t.table}.${c.column} is not a list filter`);
    values.push(c.value);
    where.push(c.sql(c.column, `$${values.length}`));
    variant += `_${c.key}`;
  }
  const filter = where.join(' AND ');
  const rows = await preparedQuery<Record<string, unknown>>(
    m,
    `${t.table}_page${variant}`,
    `SELECT ${t.columns.join(', ')} FROM ${t.table} WHERE ${filter} ` +
      `ORDER BY ${LIST_ORDER_SQL} LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
    [...values, take, skip],
  );
  // TypeORM's rule (getManyAndCount's lazy count): the total is known unless the page is full,
  // or an offset page came back empty.
  const counted = rows.length === take || (rows.length === 0 && skip > 0);
  const total = counted
    ? (
        await preparedQuery<{ total: number }>(
          m,
          `${t.table}_count${variant}`,
          `SELECT count(*)::int AS total FROM ${t.table} WHERE ${filter}`,
          values,
        )
      )[0].total
    : skip + rows.length;
  return toPage(
    rows.map((row) => t.toView(row)),
    total,
    query,
  );
}
