import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { ifMatchSatisfied, strongEtag } from '../../platform/http/etag';
import { type Page, pageWindow, toPage } from '../../platform/http/pagination';
import { type AdminTenantPatch, parseAdminTenantPatch, planAdminTenantPatch, type TenantStatus } from './domain/tenant';
import { TenancyError } from './domain/tenancy.errors';
import { TenancyStore } from './infra/tenancy.store';
import { type AdminTenantView, toAdminTenantView } from './tenant-view';

export interface AdminTenantQuery {
  q?: string;
  status?: TenantStatus;
  page: number;
  page_size: number;
}

/**
 * Platform admins operate tenants: they list every tenant, suspend and reactivate them and
 * set their quotas. They do not become members: the tenant routes treat them like anyone.
 */
@Injectable()
export class AdminTenantsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TenancyStore,
    private readonly events: EventBus,
  ) {}

  async list(query: AdminTenantQuery): Promise<Page<AdminTenantView>> {
    const { rows, total } = await this.store.adminList(
      this.dataSource.manager,
      { q: query.q?.trim(), status: query.status },
      pageWindow(query),
    );
    return toPage(rows.map(toAdminTenantView), total, query);
  }

  /** @throws TenancyError 404 tenant_not_found */
  async get(tenantId: string): Promise<AdminTenantView> {
    return this.read(this.dataSource.manager, tenantId);
  }

  /**
   * Suspends or reactivates a tenant, and changes its quotas (the quotas sent replace those
   * values; the others stay). With `ifMatch`, only if unchanged since that ETag (else 412).
   * @throws TenancyError 404 tenant_not_found, 412 precondition_failed
   */
  async update(adminId: string, tenantId: string, input: AdminTenantPatch, ifMatch?: string): Promise<AdminTenantView> {
    const patch = parseAdminTenantPatch(input);
    return runInTransaction(this.dataSource, async (m) => {
      if (!(await this.store.lockTenant(m, tenantId))) throw TenancyError.tenantNotFound();
      const before = await this.read(m, tenantId);
      if (!ifMatchSatisfied(ifMatch, strongEtag(before))) throw TenancyError.preconditionFailed();
      const change = planAdminTenantPatch(before, patch);
      if (!change.status && !change.quotas) return before;
      await this.store.updateTenant(m, tenantId, { status: change.status?.to, quotas: change.quotas?.next });
      if (change.status) {
        const name = change.status.to === 'suspended' ? 'tenancy.tenant_suspended' : 'tenancy.tenant_reactivated';
        await this.events.publish(name, { tenant_id: tenantId, by_user_id: adminId });
      }
      if (change.quotas) {
        await this.events.publish('tenancy.quotas_changed', {
          tenant_id: tenantId,
          by_user_id: adminId,
          fields: change.quotas.changed,
          quotas: change.quotas.next,
        });
      }
      return this.read(m, tenantId);
    });
  }

  private async read(m: EntityManager, tenantId: string): Promise<AdminTenantView> {
    const row = await this.store.adminGet(m, tenantId);
    if (!row) throw TenancyError.tenantNotFound();
    return toAdminTenantView(row);
  }
}
