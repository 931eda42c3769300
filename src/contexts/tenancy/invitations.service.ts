import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import { platformConfig, type PlatformConfig } from '../../platform/config';
import { runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { type Page, pageWindow, toPage } from '../../platform/http/pagination';
import { AuthService } from '../identity';
import {
  assertEmailDomainAllowed,
  assertMayInvite,
  type InvitationRole,
  invitationLink,
  invitationStatus,
  invitationTokenHash,
  isInvitationTokenShaped,
  memberQuotaBreachToInvite,
  memberQuotaBreachToJoin,
  newInvitationToken,
  normaliseInvitationEmail,
  type QuotaBreach,
  sameEmail,
} from './domain/invitations';
import { assertAdmitsMembers } from './domain/personal-tenant';
import { assertCan } from './domain/roles';
import { quotasOf } from './domain/quotas';
import { settingsOf } from './domain/settings';
import { assertActive } from './domain/tenant';
import { TenancyError } from './domain/tenancy.errors';
import { type InvitationRow, type MemberTenantRow, TenancyStore } from './infra/tenancy.store';
import { tenancyConfig, type TenancyConfig } from './tenancy.config';
import { type AcceptedInvitationView, type InvitationView, toInvitationView, toTenantView } from './tenant-view';

/** A transaction's outcome when a quota refused the change: the refusal is audited (committed), then thrown. */
type Refused = { refused: QuotaBreach };
const isRefused = (value: unknown): value is Refused => typeof value === 'object' && value !== null && 'refused' in value;

/**
 * Invitations to join a tenant. Owners and admins invite an address with a role; the address
 * gets a one-time link (`TENANT_INVITATION_TTL`); whoever signs in with an account of that
 * address spends it and becomes a member.
 *
 * Every change locks the tenant row first (as members' changes do), so the `max_members`
 * quota, the one-pending-invitation-per-address rule and the membership insert are decided
 * one after the other per tenant, on any instance. A refusal by quota commits its
 * `tenancy.quota_exceeded` audit record (and nothing else) before the 403 is thrown.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TenancyStore,
    private readonly auth: AuthService,
    private readonly events: EventBus,
    private readonly clock: Clock,
    @Inject(tenancyConfig.KEY) private readonly config: TenancyConfig,
    @Inject(platformConfig.KEY) private readonly platform: PlatformConfig,
  ) {}

  /**
   * Invites `email` with `role` and mails it the link. A pending invitation to the same address
   * is replaced (revoked). The address must be in the tenant's `allowed_email_domains` (when
   * set), not a member's already, and there must be room under `max_members` for one more
   * (members plus the other pending invitations). Nobody is invited into a personal tenant.
   * @throws TenancyError 404 tenant_not_found, 403 tenant_suspended / forbidden / quota_exceeded, 409 personal_tenant /
   *   already_member
   * @throws ValidationFailedError 400 (`email_domain_not_allowed` on `email`)
   */
  async invite(actorId: string, tenantId: string, input: { email: string; role: InvitationRole }): Promise<InvitationView> {
    const email = normaliseInvitationEmail(input.email);
    const now = this.clock.now();
    const outcome = await runInTransaction(this.dataSource, async (m): Promise<InvitationView | Refused> => {
      const tenant = await this.lockedTenantFor(m, tenantId, actorId);
      assertMayInvite(tenant.role, input.role);
      assertAdmitsMembers(tenant.personal_owner_id);
      assertEmailDomainAllowed(email, settingsOf(tenant.settings).allowed_email_domains);
      if (await this.store.hasMemberWithEmail(m, tenantId, email)) throw TenancyError.alreadyMember();

      const breach = memberQuotaBreachToInvite(
        quotasOf(tenant.quotas).max_members,
        await this.store.countMembers(m, tenantId),
        await this.store.countPendingInvitations(m, tenantId, now, email),
      );
      if (breach) return this.refuse(tenantId, actorId, breach);

      for (const replaced of await this.store.revokePendingTo(m, tenantId, email, now)) {
        await this.events.publish('tenancy.invitation_revoked', {
          tenant_id: tenantId,
          invitation_id: replaced,
          email,
          by_user_id: actorId,
          replaced: true,
        });
      }
      const token = newInvitationToken();
      const row = await this.store.insertInvitation(m, {
        tenantId,
        email,
        role: input.role,
        tokenHash: invitationTokenHash(token),
        invitedBy: actorId,
        expiresAt: new Date(now.getTime() + this.config.invitationTtl * 1000),
      });
      await this.events.publish('tenancy.invitation_sent', {
        tenant_id: tenantId,
        tenant_name: tenant.name,
        invitation_id: row.id,
        email,
        role: row.role,
        by_user_id: actorId,
        token_link: invitationLink(this.platform.publicBaseUrl, token),
        expires_at: row.expires_at.toISOString(),
      });
      return toInvitationView(row, now);
    });
    if (isRefused(outcome)) throw TenancyError.quotaExceeded(outcome.refused);
    return outcome;
  }

  /**
   * The tenant's invitations, whatever their state, newest first (owners and admins).
   * @throws TenancyError 404 tenant_not_found, 403 tenant_suspended / forbidden
   */
  async list(actorId: string, tenantId: string, page: { page: number; page_size: number }): Promise<Page<InvitationView>> {
    const m = this.dataSource.manager;
    const tenant = await this.store.tenantForMember(m, tenantId, actorId);
    if (!tenant) throw TenancyError.tenantNotFound();
    assertActive(tenant.status);
    assertCan(tenant.role, 'manage_members');
    const now = this.clock.now();
    const { rows, total } = await this.store.invitations(m, tenantId, pageWindow(page));
    return toPage(
      rows.map((row) => toInvitationView(row, now)),
      total,
      page,
    );
  }

  /**
   * Revokes a pending invitation (owners and admins): its link stops working. Revoking one that
   * is revoked or expired already changes nothing.
   * @throws TenancyError 404 tenant_not_found / invitation_not_found, 403 tenant_suspended / forbidden, 409 invitation_accepted
   */
  async revoke(actorId: string, tenantId: string, invitationId: string): Promise<void> {
    const now = this.clock.now();
    await runInTransaction(this.dataSource, async (m) => {
      const tenant = await this.lockedTenantFor(m, tenantId, actorId);
      assertCan(tenant.role, 'manage_members');
      const invitation = await this.store.invitation(m, tenantId, invitationId);
      if (!invitation) throw TenancyError.invitationNotFound();
      const status = invitationStatus(invitation, now);
      if (status === 'accepted') throw TenancyError.invitationAccepted();
      if (status !== 'pending' || !(await this.store.revokeInvitation(m, tenantId, invitationId, now))) return;
      await this.events.publish('tenancy.invitation_revoked', {
        tenant_id: tenantId,
        invitation_id: invitationId,
        email: invitation.email,
        by_user_id: actorId,
        replaced: false,
      });
    });
  }

  /**
   * Spends an invitation token: the caller joins its tenant with its role. The caller's account
   * address must be the invited one (case-insensitive), checked before the token is spent so the
   * wrong account does not burn the link. The spending (one conditional UPDATE), the
   * `max_members` re-check under the tenant lock and the membership insert happen in one
   * transaction: of parallel uses of one link exactly one joins, and parallel acceptances of
   * different links never take the tenant past its quota.
   * @throws TenancyError 400 invalid_token (unknown, spent, revoked, expired), 403 invitation_email_mismatch /
   *   tenant_suspended / quota_exceeded, 409 personal_tenant (one sent before personal tenants were closed) /
   *   already_member
   */
  async accept(userId: string, token: string): Promise<AcceptedInvitationView> {
    let tenantId: string | null = null;
    try {
      return await this.spend(userId, token, (id) => (tenantId = id));
    } catch (error) {
      // Refused links are audited (never the token): one record per refusal, whatever the cause.
      const reason = !(error instanceof TenancyError)
        ? null
        : error.code === 'invalid_token'
          ? 'invalid_token'
          : error.code === 'invitation_email_mismatch'
            ? 'email_mismatch'
            : null;
      if (reason) await this.events.publish('tenancy.invitation_rejected', { tenant_id: tenantId, reason, by_user_id: userId });
      throw error;
    }
  }

  private async spend(userId: string, token: string, named: (tenantId: string) => void): Promise<AcceptedInvitationView> {
    if (!isInvitationTokenShaped(token)) throw TenancyError.invalidToken();
    const now = this.clock.now();
    const found = await this.store.invitationByTokenHash(this.dataSource.manager, invitationTokenHash(token));
    if (found) named(found.tenant_id);
    if (!found || invitationStatus(found, now) !== 'pending') throw TenancyError.invalidToken();
    const account = await this.auth.me(userId);
    if (!sameEmail(account.email, found.email)) throw TenancyError.invitationEmailMismatch();

    const outcome = await runInTransaction(this.dataSource, async (m): Promise<AcceptedInvitationView | Refused> => {
      // Under the tenant lock the invitation is read again: a parallel use of the same link that
      // got the lock first has spent it by now, and this one answers invalid_token like any spent link.
      if (!(await this.store.lockTenant(m, found.tenant_id))) throw TenancyError.invalidToken();
      const invitation = await this.store.invitation(m, found.tenant_id, found.id);
      if (!invitation || invitationStatus(invitation, now) !== 'pending') throw TenancyError.invalidToken();
      const tenant = (await this.store.adminGet(m, found.tenant_id))!;
      assertActive(tenant.status);
      assertAdmitsMembers(tenant.personal_owner_id);
      if (await this.store.lockMembership(m, found.tenant_id, userId)) throw TenancyError.alreadyMemberOfTenant(found.tenant_id);
      const breach = memberQuotaBreachToJoin(quotasOf(tenant.quotas).max_members, tenant.member_count);
      if (breach) return this.refuse(found.tenant_id, userId, breach);
      // The one conditional UPDATE that spends it (the guard that holds whatever the locking).
      if (!(await this.store.spendInvitation(m, invitation.id, now))) throw TenancyError.invalidToken();
      return this.join(m, invitation, userId);
    });
    if (isRefused(outcome)) throw TenancyError.quotaExceeded(outcome.refused);
    return outcome;
  }

  /** Adds the member the spent invitation names, records it, and reads back what they joined. */
  private async join(m: EntityManager, invitation: InvitationRow, userId: string): Promise<AcceptedInvitationView> {
    const joinedAt = await this.store.insertMembership(m, invitation.tenant_id, userId, invitation.role);
    await this.events.publish('tenancy.invitation_accepted', {
      tenant_id: invitation.tenant_id,
      invitation_id: invitation.id,
      user_id: userId,
      role: invitation.role,
      invited_by: invitation.invited_by,
      by_user_id: userId,
    });
    await this.events.publish('tenancy.member_added', {
      tenant_id: invitation.tenant_id,
      user_id: userId,
      role: invitation.role,
      by_user_id: userId,
    });
    const tenant = toTenantView((await this.store.tenantForMember(m, invitation.tenant_id, userId))!);
    return { tenant_id: tenant.id, user_id: userId, role: tenant.role, joined_at: joinedAt.toISOString(), tenant };
  }

  /** Records the refusal (committed with the transaction, which changed nothing else); the caller throws after. */
  private async refuse(tenantId: string, actorId: string, breach: QuotaBreach): Promise<Refused> {
    await this.events.publish('tenancy.quota_exceeded', { tenant_id: tenantId, ...breach, by_user_id: actorId });
    return { refused: breach };
  }

  /** Locks the tenant row, then reads it as the actor sees it: 404 unless a member, 403 when suspended. */
  private async lockedTenantFor(m: EntityManager, tenantId: string, actorId: string): Promise<MemberTenantRow> {
    const tenant = (await this.store.lockTenant(m, tenantId)) ? await this.store.tenantForMember(m, tenantId, actorId) : null;
    if (!tenant) throw TenancyError.tenantNotFound();
    assertActive(tenant.status);
    return tenant;
  }
}
