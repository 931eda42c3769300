import { Injectable } from '@nestjs/common';
import { TenantUsageMeters } from '../../platform/tenant-usage';
import type { TenantQuotas } from './domain/quotas';
import { TenancyStore } from './infra/tenancy.store';
import { TenantRequests } from './infra/tenant-requests';
import { TenantScopes } from './tenant-scopes';

/** What a tenant uses, next to its quotas (`GET /tenants/{id}/usage`). */
export interface TenantUsageView {
  tenant_id: string;
  members: number;
  projects: number;
  storage_bytes: number;
  requests: { last_minute: number; last_day: number };
  quotas: TenantQuotas;
}

/** A tenant's usage, measured inside the tenant's own scope by every context that holds its data. */
@Injectable()
export class TenantUsage {
  constructor(
    private readonly scopes: TenantScopes,
    private readonly store: TenancyStore,
    private readonly meters: TenantUsageMeters,
    private readonly requests: TenantRequests,
  ) {}

  /**
   * Any member may read it. The request itself counts (it is a request in the tenant).
   * @throws TenancyError 404 tenant_not_found, 403 tenant_suspended, and the tenant's settings, like any tenant route
   */
  usage(userId: string, tenantId: string, sessionId: string | null): Promise<TenantUsageView> {
    return this.scopes.run({ userId, header: tenantId, sessionId }, async ({ manager, tenant }) => {
      const [members, measured, requests] = [
        await this.store.countMembers(manager, tenant.tenantId),
        await this.meters.measure(manager),
        await this.requests.usage(tenant.tenantId),
      ];
      return {
        tenant_id: tenant.tenantId,
        members,
        projects: measured.projects ?? 0,
        storage_bytes: measured.storage_bytes ?? 0,
        requests: { last_minute: requests.minute, last_day: requests.day },
        quotas: tenant.quotas,
      };
    });
  }
}
