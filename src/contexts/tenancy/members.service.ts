import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { type Page, pageWindow, toPage } from '../../platform/http/pagination';
import {
  assertCan,
  assertMayChangeRole,
  assertMayRemove,
  assertOwnersRemain,
  losesOwnership,
  type TenantRole,
} from './domain/roles';
import { assertKeepsPersonalOwner } from './domain/personal-tenant';
import { assertActive } from './domain/tenant';
import { TenancyError } from './domain/tenancy.errors';
import { type MemberTenantRow, TenancyStore } from './infra/tenancy.store';
import { type MemberView, toMemberView } from './tenant-view';

const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * A tenant's members: listing them, changing roles, removing (or leaving). Every change runs
 * in one transaction that first locks the tenant row, then applies the role rules and the
 * last-owner rule (owner rows locked `FOR UPDATE`), writes, and records the event.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TenancyStore,
    private readonly events: EventBus,
  ) {}

  /** @throws TenancyError 404 tenant_not_found, 403 tenant_suspended */
  async list(userId: string, tenantId: string, page: { page: number; page_size: number }): Promise<Page<MemberView>> {
    const m = this.dataSource.manager;
    const tenant = await this.store.tenantForMember(m, tenantId, userId);
    if (!tenant) throw TenancyError.tenantNotFound();
    assertActive(tenant.status);
    assertCan(tenant.role, 'read_members');
    const { rows, total } = await this.store.members(m, tenantId, pageWindow(page));
    return toPage(rows.map(toMemberView), total, page);
  }

  /**
   * Gives a member another role. Owners may give any role to anyone; admins may move members
   * between `admin` and `member` but neither touch owners nor make them. A personal tenant's
   * owner stays its only owner.
   * @throws TenancyError 404 tenant_not_found / member_not_found, 403 tenant_suspended / forbidden, 409 last_owner /
   *   personal_tenant
   */
  async changeRole(actorId: string, tenantId: string, userId: string, role: TenantRole): Promise<MemberView> {
    return runInTransaction(this.dataSource, async (m) => {
      const actor = await this.lockedTenantFor(m, tenantId, actorId);
      assertCan(actor.role, 'manage_members');
      const from = await this.store.lockMembership(m, tenantId, userId);
      if (!from) throw TenancyError.memberNotFound();
      assertMayChangeRole(actor.role, from, role);
      if (from !== role) {
        if (losesOwnership(from, role)) assertOwnersRemain(await this.store.lockOwners(m, tenantId), [userId]);
        assertKeepsPersonalOwner(actor.personal_owner_id, userId, role);
        await this.store.setRole(m, tenantId, userId, role);
        await this.events.publish('tenancy.member_role_changed', {
          tenant_id: tenantId,
          user_id: userId,
          from,
          to: role,
          by_user_id: actorId,
        });
      }
      return toMemberView((await this.store.member(m, tenantId, userId))!);
    });
  }

  /**
   * Removes a member; any member may remove themself. Owners may remove anyone, admins anyone
   * but owners. The last owner can neither be removed nor leave, and neither can a personal
   * tenant's owner (the last-owner rule first: alone, they get `last_owner` as before).
   * @throws TenancyError 404 tenant_not_found / member_not_found, 403 tenant_suspended / forbidden, 409 last_owner /
   *   personal_tenant
   */
  async remove(actorId: string, tenantId: string, userId: string): Promise<void> {
    await runInTransaction(this.dataSource, async (m) => {
      const actor = await this.lockedTenantFor(m, tenantId, actorId);
      const self = sameId(actorId, userId);
      if (!self) assertCan(actor.role, 'manage_members');
      const role = await this.store.lockMembership(m, tenantId, userId);
      if (!role) throw TenancyError.memberNotFound();
      assertMayRemove(actor.role, role, self);
      if (losesOwnership(role, null)) assertOwnersRemain(await this.store.lockOwners(m, tenantId), [userId]);
      assertKeepsPersonalOwner(actor.personal_owner_id, userId, null);
      await this.store.deleteMembership(m, tenantId, userId);
      await this.events.publish('tenancy.member_removed', {
        tenant_id: tenantId,
        user_id: userId,
        role,
        by_user_id: actorId,
        left: self,
      });
    });
  }

  /** Locks the tenant row, then reads it as the actor sees it: 404 unless a member, 403 when suspended. */
  private async lockedTenantFor(m: EntityManager, tenantId: string, actorId: string): Promise<MemberTenantRow> {
    const tenant = (await this.store.lockTenant(m, tenantId)) ? await this.store.tenantForMember(m, tenantId, actorId) : null;
    if (!tenant) throw TenancyError.tenantNotFound();
    assertActive(tenant.status);
    return tenant;
  }
}
