import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  type DataSubject,
  type ExportSections,
  type PersonalDataHolder,
  HoldsPersonalData,
  PersonalDataRegistry,
} from '../../platform/personal-data';
import { Clock } from '../../platform/clock';
import { EventBus } from '../../platform/events';
import { invitationStatus } from './domain/invitations';
import { TenancyError } from './domain/tenancy.errors';
import { TenancyStore } from './infra/tenancy.store';
import { toTenantView } from './tenant-view';

/**
 * Which tenants a user belongs to, and their personal tenant (named after their display name):
 * exported as `tenant_memberships` (and the invitations sent to their address as `tenant_invitations`); on erasure the personal tenant goes (with what it holds)
 * and so do the user's memberships elsewhere and the tenant invitations sent to their address.
 */
@Injectable()
@HoldsPersonalData()
export class TenancyPersonalData implements PersonalDataHolder {
  readonly name = 'tenancy';

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TenancyStore,
    private readonly registry: PersonalDataRegistry,
    private readonly clock: Clock,
    private readonly events: EventBus,
  ) {}

  async exportFor(subject: DataSubject): Promise<ExportSections> {
    const [rows, invitations] = await Promise.all([
      this.store.membershipsOf(this.dataSource.manager, subject.userId),
      this.store.invitationsTo(this.dataSource.manager, subject.email),
    ]);
    const now = this.clock.now();
    return {
      tenant_memberships: rows.map((row) => {
        const { id, slug, name, status, personal, role } = toTenantView(row);
        return { tenant_id: id, slug, name, status, personal, role, joined_at: row.joined_at.toISOString() };
      }),
      tenant_invitations: invitations.map((i) => ({
        id: i.id,
        tenant_id: i.tenant_id,
        tenant_name: i.tenant_name,
        role: i.role,
        status: invitationStatus(i, now),
        created_at: i.created_at.toISOString(),
        expires_at: i.expires_at.toISOString(),
      })),
    };
  }

  /** The last owner of an organisation that has other members must hand it over (or delete it) first. */
  async refuseClosure(subject: DataSubject): Promise<TenancyError | null> {
    const owned = await this.store.soleOwnerships(this.dataSource.manager, subject.userId);
    return owned.length > 0 ? TenancyError.lastOwnerClosing(owned.map((t) => t.slug)) : null;
  }

  /**
   * The tenants that go are erased through every holder first (their files' bytes, for one).
   * A shared tenant the user is still the last owner of, with other members, is handed to one
   * of them first (`successorsOf`: an active account first, then the longest-standing admin, else member, made owner; audited
   * as a role change by the departing owner): closing refuses the last owner, but what changed
   * during the grace period (a co-owner who closed too or stepped down, an invitation accepted)
   * must not leave a tenant without an owner.
   */
  async erase(subject: DataSubject, manager: EntityManager): Promise<number> {
    for (const successor of await this.store.successorsOf(manager, subject.userId)) {
      await this.store.setRole(manager, successor.tenant_id, successor.user_id, 'owner');
      await this.events.publish('tenancy.member_role_changed', {
        tenant_id: successor.tenant_id,
        user_id: successor.user_id,
        from: successor.role,
        to: 'owner',
        by_user_id: subject.userId,
      });
    }
    for (const tenantId of await this.store.tenantsErasedWith(manager, subject.userId)) {
      await this.registry.eraseTenant(tenantId, manager);
    }
    return this.store.eraseUser(manager, subject.userId, subject.email);
  }
}
