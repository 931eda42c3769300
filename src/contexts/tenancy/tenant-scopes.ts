import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isForeignKeyViolation } from '../../platform/database/sql-errors';
import { withinTenant } from '../../platform/database/tenant-scope';
import { afterTransaction, runApart, runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { tooManyRequests } from '../../platform/rate-limit';
import { quotasOf, type UsageQuota, usageQuotaBreach } from './domain/quotas';
import type { TenantRole } from './domain/roles';
import { TenancyError } from './domain/tenancy.errors';
import { TenancyStore } from './infra/tenancy.store';
import { TenantRequests } from './infra/tenant-requests';
import { type ResolvedTenant, type TenantCaller, TenantResolver } from './tenant.resolver';

/** Inside a tenant scope: the transaction (scoped for row-level security), the tenant, the caller. */
export interface TenantScope {
  manager: EntityManager;
  tenant: ResolvedTenant;
  actor: { id: string; tenantRole: TenantRole };
  /**
   * Checks, atomically, that adding `adding` (1 project; a file's bytes) keeps the tenant within
   * `quota`: the tenant row is locked for the rest of the transaction (so parallel additions
   * are counted one after the other, on any instance), the quota read again under the lock, and
   * `measure` (the owning context's count, in this transaction) compared with it.
   * @throws TenancyError 403 quota_exceeded (`quota`, `limit`, `usage`), audited as `tenancy.quota_exceeded`
   */
  withinQuota: (quota: UsageQuota, adding: number, measure: () => Promise<number>) => Promise<void>;
}

/** The foreign keys of tenant-owned rows to their tenant (`fk_<table>_tenant`). */
const TENANT_FOREIGN_KEY = /^fk_[a-z_]+_tenant$/;

/** A breach found inside the scope's transaction: rolled back, then audited and answered by `run`. */
class QuotaRefusal extends Error {
  constructor(
    readonly tenantId: string,
    readonly breach: { quota: UsageQuota; limit: number; usage: number },
  ) {
    super(`quota ${breach.quota} exceeded`);
  }
}

/**
 * The one way tenant-owned data is reached: `run` resolves the caller's tenant and runs `fn` in
 * a transaction where PostgreSQL admits that tenant's rows only, with the tenant as the scope
 * of `scopedQuery`/`inTenant` (platform/database/tenant-scope.ts). Every request it runs counts
 * against the tenant's `max_requests_per_minute`.
 */
@Injectable()
export class TenantScopes {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: TenantResolver,
    private readonly store: TenancyStore,
    private readonly requests: TenantRequests,
    private readonly events: EventBus,
  ) {}

  /**
   * @throws ValidationFailedError 400 (a header that is not a UUID); TenancyError 404
   *   tenant_not_found, 403 tenant_suspended, the tenant's settings (403 tenant_mfa_required,
   *   401 tenant_session_too_old), 429 tenant_rate_limited — before `fn` runs; 403
   *   quota_exceeded from `withinQuota`
   */
  async run<T>(caller: TenantCaller, fn: (scope: TenantScope) => Promise<T>): Promise<T> {
    try {
      return await runInTransaction(this.dataSource, async (manager) => {
        const tenant = await this.resolver.enter(manager, caller);
        await this.countRequest(tenant, caller);
        const scope: TenantScope = {
          manager,
          tenant,
          actor: { id: caller.userId, tenantRole: tenant.role },
          withinQuota: async (quota, adding, measure) => {
            // No quota when the request began: nothing to lock or count (the hot path stays as it was).
            if (tenant.quotas[quota] !== null) await this.withinQuota(manager, tenant.tenantId, quota, adding, measure);
          },
        };
        return withinTenant(tenant.tenantId, () => fn(scope));
      });
    } catch (error) {
      // The tenant was deleted while this request wrote into it (its read of the tenant came
      // before the delete committed; its insert's foreign key check after): as if it had not been found.
      if (isForeignKeyViolation(error, TENANT_FOREIGN_KEY)) throw TenancyError.tenantNotFound();
      if (!(error instanceof QuotaRefusal)) throw error;
      // The change rolls back; its refusal is recorded on its own (an audit row, outcome denied),
      // in a transaction of its own. Inside a caller's transaction (an atomic idempotent
      // request's, which the refusal rolls back too) that happens once the caller's has ended and
      // given its connection back: taking a second one while it holds the tenant's row lock could
      // wait on a pool whose other connections all wait on that lock (a burst of keyed creates
      // over a quota hung for the connect timeout and answered 503).
      const record = (): Promise<void> =>
        runApart(this.dataSource, () =>
          this.events.publish('tenancy.quota_exceeded', {
            tenant_id: error.tenantId,
            ...error.breach,
            by_user_id: caller.userId,
          }),
        );
      if (!afterTransaction(record)) await record();
      throw TenancyError.quotaExceeded(error.breach);
    }
  }

  /**
   * Whether the caller may act in the tenant now (membership, suspension, the tenant's
   * settings), without counting a request or running anything: for work that must be refused
   * before it starts (an upload, before its bytes are read). `run` checks again.
   */
  async admit(caller: TenantCaller): Promise<ResolvedTenant> {
    return runInTransaction(this.dataSource, (manager) => this.resolver.enter(manager, caller));
  }

  /** `max_requests_per_minute`: counted in the shared rate-limit store; 429 once over, with the usual headers. */
  private async countRequest(tenant: ResolvedTenant, caller: TenantCaller): Promise<void> {
    const limit = tenant.quotas.max_requests_per_minute;
    const { hits, resetInSeconds } = await this.requests.count(tenant.tenantId);
    if (limit === null) return;
    caller.observeRateLimit?.({
      policy: 'tenant',
      limit,
      remaining: Math.max(0, limit - hits),
      resetAt: Date.now() + resetInSeconds * 1000,
      windowSeconds: 60,
    });
    if (hits > limit) {
      throw tooManyRequests(
        'tenant_rate_limited',
        `This organisation has made more than ${limit} requests this minute; try again in a moment.`,
        resetInSeconds,
      );
    }
  }

  private async withinQuota(
    m: EntityManager,
    tenantId: string,
    quota: UsageQuota,
    adding: number,
    measure: () => Promise<number>,
  ): Promise<void> {
    const locked = await this.store.lockTenantQuotas(m, tenantId);
    const limit = quotasOf(locked)[quota];
    if (limit === null) return;
    const breach = usageQuotaBreach(quota, limit, await measure(), adding);
    if (breach) throw new QuotaRefusal(tenantId, breach);
  }
}
