import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import type { RateLimitObservation } from '../../platform/rate-limit';
import type { TenantQuotas } from './domain/quotas';
import type { TenantRole } from './domain/roles';
import { accessRefusal, type TenantSettings } from './domain/settings';
import { assertActive, type TenantStatus } from './domain/tenant';
import { TenancyError } from './domain/tenancy.errors';
import { type MemberTenantRow, TenancyStore } from './infra/tenancy.store';
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
    private readonly clock: Clock,
  ) {}

  /**
   * @param header the `X-Tenant-Id` header as sent (undefined when absent)
   * @throws ValidationFailedError 400 validation_failed (field `X-Tenant-Id`) when it is not a UUID
   * @throws TenancyError 404 tenant_not_found when the caller is not a member; 403 tenant_suspended
   */
  async resolve(userId: string, header: string | undefined): Promise<ResolvedTenant> {
    const tenantId = header === undefined ? await this.personal.ensure(userId) : tenantIdOf(header);
    const row = await this.store.tenantForMember(this.dataSource.manager, tenantId, userId);
    return resolved(row);
  }

  /**
   * `resolve` inside `m`'s transaction, which it also scopes to the tenant for row-level
   * security (`app.tenant_id`), and the tenant's settings applied to the caller
   * (`accessRefusal`): one statement when the tenant exists.
   */
  async enter(m: EntityManager, caller: TenantCaller): Promise<ResolvedTenant> {
    const { userId, header, sessionId } = caller;
    let row = await this.store.enterTenant(m, header === undefined ? null : tenantIdOf(header), userId, sessionId);
    if (!row && header === undefined) {
      await this.personal.ensure(userId);
      row = await this.store.enterTenant(m, null, userId, sessionId);
    }
    if (!row) throw TenancyError.tenantNotFound();
    const tenant = resolved(row);
    const refusal = accessRefusal(
      tenant.settings,
      { hasMfa: row.has_mfa, sessionStartedAt: row.session_started_at },
      this.clock.now(),
    );
    if (refusal) throw refusal;
    return tenant;
  }
}

/** The caller as a tenant-owned route sees them: who, and the `X-Tenant-Id` they sent. */
export interface TenantCaller {
  userId: string;
  /** The `X-Tenant-Id` header as sent; undefined when absent (the personal tenant). */
  header: string | undefined;
  /** The session of a bearer token (the tenant's `session_max_age` applies to it); null for an API key. */
  sessionId: string | null;
  /** Told the standing of the tenant's request-rate quota, for the rate-limit headers of the answer. */
  observeRateLimit?: (observation: RateLimitObservation) => void;
}

function tenantIdOf(header: string): string {
  const tenantId = header.trim();
  if (!UUID.test(tenantId)) throw TenancyError.invalidTenantHeader();
  return tenantId.toLowerCase();
}

function resolved(row: MemberTenantRow | null): ResolvedTenant {
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
