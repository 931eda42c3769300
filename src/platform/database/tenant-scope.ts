import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { runInTransaction } from './transaction-context';

/**
 * Tenant isolation, twice (docs/tenancy.md, "Isolation").
 *
 * 1. PostgreSQL: every tenant-owned table has `ENABLE` and `FORCE ROW LEVEL SECURITY` and the
 *    policy `tenant_isolation` (migration `*-TenantOwnedData`): a row is visible, and may be
 *    written, only when its `tenant_id` is the transaction's `app.tenant_id`. The setting is
 *    transaction-local (`set_config(…, true)`), so a pooled connection never carries one
 *    request's tenant into the next. With no tenant set, nothing is visible.
 * 2. The application: inside a tenant scope, every tenant-owned query is built by `scopedQuery`
 *    (and every row made by `inTenant`), which add the scope's tenant themselves: services never
 *    write the filter by hand, and a query that forgot it would still see only the tenant's rows.
 *
 * The one way around the policy is `runAcrossTenants`: it sets `app.all_tenants`, which lets a
 * transaction read and delete (never insert or update) the rows of every tenant. Erasure,
 * export and the quota census use it; nothing on a tenant route does.
 */

/** The transaction setting the row-level security policies compare `tenant_id` with. */
export const TENANT_SETTING = 'app.tenant_id';
/** The transaction setting that opens every tenant's rows to reading and deleting (`runAcrossTenants`). */
export const ALL_TENANTS_SETTING = 'app.all_tenants';

/** The SQL expression that sets the transaction's tenant to the uuid in `expression` (and yields it). */
export const setTenantSql = (expression: string): string => `set_config('${TENANT_SETTING}', ${expression}::text, true)`;

const scope = new AsyncLocalStorage<string>();

/**
 * Runs `fn` with `tenantId` as the scope's tenant (`currentTenantId()`). The caller has already
 * set `app.tenant_id` in the transaction `fn` runs in (the tenancy context does both at once,
 * with the membership check, in one statement).
 */
export function withinTenant<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
  return scope.run(tenantId, fn);
}

/** The tenant of the current scope; throws outside one (a tenant-owned query must never run unscoped). */
export function currentTenantId(): string {
  const tenantId = scope.getStore();
  if (tenantId === undefined) throw new Error('A tenant-owned query ran outside a tenant scope');
  return tenantId;
}

/** A query on a tenant-owned table restricted to the scope's tenant (`<alias>.tenant_id = :tenant_id`). */
export function scopedQuery<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  alias: string,
): SelectQueryBuilder<T> {
  return m.createQueryBuilder(entity, alias).where(`${alias}.tenant_id = :tenant_id`, { tenant_id: currentTenantId() });
}

/** A new tenant-owned row's values, in the scope's tenant. */
export function inTenant<T extends object>(values: T): T & { tenantId: string } {
  return { ...values, tenantId: currentTenantId() };
}

/**
 * Runs `fn` in a transaction (or the caller's) that may read and delete the rows of every
 * tenant: for work that is about a user or the platform rather than one tenant (erasure, the
 * data export, usage counts). Writes into a tenant still need that tenant's scope.
 */
export function runAcrossTenants<T>(dataSource: DataSource, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
  return runInTransaction(dataSource, async (m) => {
    await openAllTenants(m);
    return fn(m);
  });
}

/** Opens every tenant's rows (reading, deleting) for the rest of `m`'s transaction. */
export async function openAllTenants(m: EntityManager): Promise<void> {
  await m.query(`SELECT set_config('${ALL_TENANTS_SETTING}', 'on', true)`);
}
