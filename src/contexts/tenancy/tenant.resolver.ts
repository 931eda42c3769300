import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TenantQuotas } from './domain/quotas';
import type { TenantRole } from './domain/roles';
import type { TenantSettings } from './domain/settings';
import { assertActive, type TenantStatus } from './domain/tenant';
import { TenancyError } from './domain/tenancy.errors';
import { TenancyStore } from './infra/tenancy.store';
import { PersonalTenants } from './personal-tenants.service';
import { toTenantView } from './tenant-view';

/** The tenant a request acts in, as `TenantResolver.resolve` establishes it. */
export interface ResolvedTenant {
  tenantId: string;
  /** The caller's role in it. */
  role: TenantRole;
  status: TenantStatus;
  settings: TenantSettings;
  quotas: TenantQuotas;
  personal: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Which tenant a request acts in, from its `X-Tenant-Id` header: the building block of
 * tenant-owned routes. Absent: the caller's personal tenant (made now if need be).
 */
@Injectable()
export class TenantResolver {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TenancyStore,
    private readonly personal: PersonalTenants,
  ) {}

  /**
   * @param header the `X-Tenant-Id` header as sent (undefined when absent)
   * @throws ValidationFailedError 400 validation_failed (field `X-Tenant-Id`) when it is not a UUID
   * @throws TenancyError 404 tenant_not_found when the caller is not a member; 403 tenant_suspended
   */
  async resolve(userId: string, header: string | undefined): Promise<ResolvedTenant> {
    let tenantId: string;
    if (header === undefined) {
      tenantId = await this.personal.ensure(userId);
    } else {
      tenantId = header.trim();
      if (!UUID.test(tenantId)) throw TenancyError.invalidTenantHeader();
    }
    const row = await this.store.tenantForMember(this.dataSource.manager, tenantId.toLowerCase(), userId);
    if (!row) throw TenancyError.tenantNotFound();
    assertActive(row.status);
    const view = toTenantView(row);
    return {
      tenantId: view.id,
      role: view.role,
      status: view.status,
      settings: view.settings,
      quotas: view.quotas,
      personal: view.personal,
    };
  }
}
