import { Injectable, Logger } from '@nestjs/common';
import { type DomainEvent, OnDomainEvent } from '../../platform/events';
import { DomainError } from '../../platform/http/problem';
import { AuthService } from '../identity';
import {
  type AddressNotice,
  accountLockedNotice,
  confirmEmailChangeNotice,
  deletionScheduledNotice,
  emailChangeRequestedNotice,
  invitationNotice,
  mfaChangedNotice,
  passkeyChangedNotice,
  passwordChangedNotice,
  refreshReuseNotice,
  registrationAttemptNotice,
  resetPasswordNotice,
  type SecurityNotice,
  suspiciousLoginNotice,
  tenantInvitationNotice,
  verifyEmailNotice,
} from './domain/security-notices';
import { NotificationsService } from './notifications.service';

/**
 * Turns security events into emails to the account's owner: account locked, suspicious
 * sign-in, password changed or reset, MFA on/off, refresh-token reuse, and the one-time links
 * (verify the address, reset the password); and tenant invitations, to the invited address
 * (which may have no account). Each event enqueues at most
 * one message (its dedupe key), so a replayed event sends nothing new. The address comes
 * from the auth context's public API at the time of the event.
 *
 * Enqueueing is quick (one lookup, one insert) and delivery runs in the background, so the
 * request that caused the event does not wait for SMTP. A failure here is logged and never
 * reaches the publisher.
 */
@Injectable()
export class SecurityNoticesListener {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly auth: AuthService,
    private readonly notifications: NotificationsService,
  ) {}

  @OnDomainEvent('auth.account_locked')
  async accountLocked(event: DomainEvent<'auth.account_locked'>): Promise<void> {
    const notice = accountLockedNotice(event);
    if (notice) await this.notify(notice, 'auth.account_locked');
  }

  @OnDomainEvent('auth.suspicious_login')
  async suspiciousLogin(event: DomainEvent<'auth.suspicious_login'>): Promise<void> {
    await this.notify(suspiciousLoginNotice(event), 'auth.suspicious_login');
  }

  @OnDomainEvent('auth.password_changed')
  async passwordChanged(event: DomainEvent<'auth.password_changed'>): Promise<void> {
    await this.notify(passwordChangedNotice(event), 'auth.password_changed');
  }

  @OnDomainEvent('auth.password_reset')
  async passwordReset(event: DomainEvent<'auth.password_reset'>): Promise<void> {
    await this.notify(passwordChangedNotice(event, 'auth.password_reset'), 'auth.password_reset');
  }

  @OnDomainEvent('auth.email_verification_requested')
  async verificationRequested(event: DomainEvent<'auth.email_verification_requested'>): Promise<void> {
    await this.notify(verifyEmailNotice(event), 'auth.email_verification_requested');
  }

  @OnDomainEvent('auth.password_reset_requested')
  async resetRequested(event: DomainEvent<'auth.password_reset_requested'>): Promise<void> {
    await this.notify(resetPasswordNotice(event), 'auth.password_reset_requested');
  }

  @OnDomainEvent('auth.registration_attempted')
  async registrationAttempted(event: DomainEvent<'auth.registration_attempted'>): Promise<void> {
    await this.notify(registrationAttemptNotice(event), 'auth.registration_attempted');
  }

  @OnDomainEvent('auth.email_change_requested')
  async emailChangeRequested(event: DomainEvent<'auth.email_change_requested'>): Promise<void> {
    const confirmation = confirmEmailChangeNotice(event);
    if (confirmation) await this.notify(confirmation, 'auth.email_change_requested');
    await this.notify(emailChangeRequestedNotice(event), 'auth.email_change_requested');
  }

  @OnDomainEvent('auth.account_deletion_requested')
  async deletionRequested(event: DomainEvent<'auth.account_deletion_requested'>): Promise<void> {
    const notice = deletionScheduledNotice(event);
    if (notice) await this.notify(notice, 'auth.account_deletion_requested');
  }

  @OnDomainEvent('auth.user_invited')
  async userInvited(event: DomainEvent<'auth.user_invited'>): Promise<void> {
    await this.notify(invitationNotice(event), 'auth.user_invited');
  }

  @OnDomainEvent('tenancy.invitation_sent')
  async tenantInvitationSent(event: DomainEvent<'tenancy.invitation_sent'>): Promise<void> {
    // Without the inviter's name (no display name, the account gone, a failed lookup) the message says "Someone":
    // the link matters more than the name.
    const inviterName = await this.auth.me(event.by_user_id).then(
      (inviter) => inviter.display_name,
      (error: unknown) => {
        if (!(error instanceof DomainError)) {
          this.logger.warn({ err: error, event: 'inviter_lookup_failed', user_id: event.by_user_id }, 'Inviter lookup failed');
        }
        return null;
      },
    );
    await this.notifyAddress(tenantInvitationNotice(event, inviterName), 'tenancy.invitation_sent');
  }

  @OnDomainEvent('auth.mfa_enabled')
  async mfaEnabled(event: DomainEvent<'auth.mfa_enabled'>): Promise<void> {
    await this.notify(mfaChangedNotice('auth.mfa_enabled', event), 'auth.mfa_enabled');
  }

  @OnDomainEvent('auth.mfa_disabled')
  async mfaDisabled(event: DomainEvent<'auth.mfa_disabled'>): Promise<void> {
    await this.notify(mfaChangedNotice('auth.mfa_disabled', event), 'auth.mfa_disabled');
  }

  @OnDomainEvent('auth.passkey_registered')
  async passkeyAdded(event: DomainEvent<'auth.passkey_registered'>): Promise<void> {
    await this.notify(passkeyChangedNotice('auth.passkey_registered', event), 'auth.passkey_registered');
  }

  @OnDomainEvent('auth.passkey_removed')
  async passkeyRemoved(event: DomainEvent<'auth.passkey_removed'>): Promise<void> {
    await this.notify(passkeyChangedNotice('auth.passkey_removed', event), 'auth.passkey_removed');
  }

  @OnDomainEvent('sessions.refresh_reuse_detected')
  async refreshReuse(event: DomainEvent<'sessions.refresh_reuse_detected'>): Promise<void> {
    await this.notify(refreshReuseNotice(event), 'sessions.refresh_reuse_detected');
  }

  /**
   * Sends to an address, not to an account: no user is looked up (the address may have none)
   * and the message belongs to no account (`userId: null`; erasure still finds it by address).
   */
  private async notifyAddress(notice: AddressNotice, cause: string): Promise<void> {
    try {
      await this.notifications.send({
        channel: 'email',
        to: notice.to,
        template: notice.template,
        data: notice.data,
        userId: null,
        dedupeKey: notice.dedupeKey,
      });
    } catch (error) {
      this.logger.error(
        { err: error, event: 'address_notice_not_queued', cause, template: notice.template },
        `Notice ${notice.template} could not be queued`,
      );
    }
  }

  private async notify(notice: SecurityNotice, cause: string): Promise<void> {
    try {
      const user = await this.auth.me(notice.userId).catch((error: unknown) => {
        if (error instanceof DomainError) return null; // the account is gone: nobody to tell
        throw error;
      });
      if (!user) return;
      await this.notifications.send({
        channel: 'email',
        to: notice.to ?? user.email,
        template: notice.template,
        data: { ...notice.data, display_name: user.display_name },
        userId: user.id,
        dedupeKey: notice.dedupeKey,
      });
    } catch (error) {
      this.logger.error(
        { err: error, event: 'security_notice_not_queued', cause, user_id: notice.userId, template: notice.template },
        `Security notice ${notice.template} for user ${notice.userId} could not be queued`,
      );
    }
  }
}
