import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { runInTransaction } from '../../platform/database/transaction-context';
import { isUniqueViolation } from '../../platform/database/sql-errors';
import { EventBus } from '../../platform/events';
import { PersonalDataRegistry } from '../../platform/personal-data';
import { ifMatchSatisfied, strongEtag } from '../../platform/http/etag';
import { type Page, pageWindow, toPage } from '../../platform/http/pagination';
import { ValidationFailedError } from '../../platform/http/problem';
import { assertCan } from './domain/roles';
import { normaliseSlug, slugErrors } from './domain/slug';
import { assertActive, parseTenantPatch, planTenantPatch, type TenantPatch } from './domain/tenant';
import { TenancyError } from './domain/tenancy.errors';
import { type MemberTenantRow, TenancyStore } from './infra/tenancy.store';
import { PersonalTenants } from './personal-tenants.service';
import { type TenantView, toTenantView } from './tenant-view';

/** A member's tenants: create, list, read, rename and configure, delete. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TenancyStore,
    private readonly personal: PersonalTenants,
    private readonly events: EventBus,
    private readonly registry: PersonalDataRegistry,
  ) {}

  /** The caller's tenants with their role, personal tenant first (made now if it does not exist yet), then by name. */
  async list(userId: string, page: { page: number; page_size: number }): Promise<Page<TenantView>> {
    await this.personal.ensure(userId);
    const { rows, total } = await this.store.tenantsOf(this.dataSource.manager, userId, pageWindow(page));
    return toPage(rows.map(toTenantView), total, page);
  }

  /** @throws TenancyError 404 tenant_not_found for an unknown tenant or one the caller is not a member of */
  async get(userId: string, tenantId: string): Promise<TenantView> {
    return toTenantView(await this.memberOf(this.dataSource.manager, tenantId, userId));
  }

  /**
   * Creates a shared tenant; the caller becomes its owner.
   * @throws ValidationFailedError 400 for a malformed or reserved slug
   * @throws TenancyError 409 slug_taken
   */
  async create(userId: string, input: { name: string; slug: string }): Promise<TenantView> {
    const slug = normaliseSlug(input.slug);
    const errors = slugErrors(slug);
    if (errors.length > 0) throw new ValidationFailedError(errors);
    try {
      return await runInTransaction(this.dataSource, async (m) => {
        const row = await this.store.insertTenant(m, slug, input.name);
        await this.store.insertMembership(m, row.id, userId, 'owner');
        await this.events.publish('tenancy.tenant_created', { tenant_id: row.id, slug, personal: false, by_user_id: userId });
        await this.events.publish('tenancy.member_added', {
          tenant_id: row.id,
          user_id: userId,
          role: 'owner',
          by_user_id: userId,
        });
        return toTenantView({ ...row, role: 'owner' });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw TenancyError.slugTaken();
      throw error;
    }
  }

  /**
   * Renames (owners, admins) and configures (owners) the tenant. With `ifMatch`, only if the
   * caller's current representation still has that strong ETag (else 412).
   * @throws TenancyError 404 tenant_not_found, 403 tenant_suspended, 403 forbidden, 412 precondition_failed
   */
  async update(userId: string, tenantId: string, input: TenantPatch, ifMatch?: string): Promise<TenantView> {
    const patch = parseTenantPatch(input);
    return runInTransaction(this.dataSource, async (m) => {
      const row = await this.lockedMemberOf(m, tenantId, userId);
      assertActive(row.status);
      const before = toTenantView(row);
      const change = planTenantPatch(row.role, before, patch);
      if (!ifMatchSatisfied(ifMatch, strongEtag(before))) throw TenancyError.preconditionFailed();
      if (change.fields.length === 0) return before;
      await this.store.updateTenant(m, tenantId, { name: change.name, settings: change.settings });
      await this.events.publish('tenancy.tenant_updated', { tenant_id: tenantId, by_user_id: userId, fields: change.fields });
      return toTenantView(await this.memberOf(m, tenantId, userId));
    });
  }

  /**
   * Deletes a shared tenant, its memberships and its data, through every personal-data holder's
   * `eraseTenant` (owners only).
   * @throws TenancyError 404 tenant_not_found, 403 tenant_suspended, 403 forbidden, 409 personal_tenant, 412
   */
  async remove(userId: string, tenantId: string, ifMatch?: string): Promise<void> {
    await runInTransaction(this.dataSource, async (m) => {
      const row = await this.lockedMemberOf(m, tenantId, userId, true);
      assertActive(row.status);
      assertCan(row.role, 'delete');
      if (row.personal_owner_id !== null) throw TenancyError.personalTenant();
      if (!ifMatchSatisfied(ifMatch, strongEtag(toTenantView(row)))) throw TenancyError.preconditionFailed();
      await this.registry.eraseTenant(tenantId, m);
      await this.store.deleteTenant(m, tenantId);
      await this.events.publish('tenancy.tenant_deleted', { tenant_id: tenantId, slug: row.slug, by_user_id: userId });
    });
  }

  private async memberOf(m: EntityManager, tenantId: string, userId: string): Promise<MemberTenantRow> {
    const row = await this.store.tenantForMember(m, tenantId, userId);
    if (!row) throw TenancyError.tenantNotFound();
    return row;
  }

  /** The tenant locked for a change (see `TenancyStore.lockTenant`), then read as the caller sees it. */
  private async lockedMemberOf(m: EntityManager, tenantId: string, userId: string, forDelete = false): Promise<MemberTenantRow> {
    if (!(await this.store.lockTenant(m, tenantId, forDelete))) throw TenancyError.tenantNotFound();
    return this.memberOf(m, tenantId, userId);
  }
}
