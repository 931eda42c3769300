import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { platformConfig, type PlatformConfig } from '../../platform/config';
import { isUniqueViolation } from '../../platform/database/sql-errors';
import { runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { ValidationFailedError } from '../../platform/http/problem';
import { AuthError } from './domain/auth.errors';
import { isValidEmail, normalizeEmail } from './domain/email';
import { isTokenShaped, tokenLink } from './domain/one-time-token';
import { identityConfig, type IdentityConfig } from './identity.config';
import { OneTimeTokenStore } from './infra/one-time-token.store';
import { PasswordProof } from './password-proof';
import { UserEntity } from './infra/user.entity';
import type { ClientInfo } from './sessions.service';
import { toUserView, type UserView } from './user-view';

/**
 * Moving an account to a new address: the new address proves it is reachable (a one-time
 * link sent there), the old one hears of the request. A taken new address gets no link and
 * everything else the same (the answer, the audit record, the notice to the old address), so
 * the request does not tell whether another account holds it.
 */
@Injectable()
export class EmailChangeService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly tokens: OneTimeTokenStore,
    private readonly proof: PasswordProof,
    private readonly events: EventBus,
    private readonly clock: Clock,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
    @Inject(platformConfig.KEY) private readonly platform: PlatformConfig,
  ) {}

  /**
   * Checks the password and the new address, then mails a confirmation link to it (none when it
   * is taken) and a notice to the old one; the request is audited either way.
   */
  async request(userId: string, rawNewEmail: string, currentPassword: string, client: ClientInfo): Promise<void> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.unauthenticated();
    await this.proof.checkCurrentPassword(user, currentPassword, client);
    const newEmail = normalizeEmail(rawNewEmail);
    if (!isValidEmail(newEmail)) throw AuthError.invalidEmail('new_email');
    if (newEmail === user.email) {
      throw new ValidationFailedError([{ field: 'new_email', code: 'unchanged', message: 'This is already your address.' }]);
    }
    const now = this.clock.now();
    // Another account's address: no link (the event's is empty, and redacted in the audit row like a real one).
    const link = (await this.users.existsBy({ email: newEmail }))
      ? { token_link: '', expires_at: new Date(now.getTime() + this.config.verifyEmailTokenTtl * 1000) }
      : await this.issueLink(userId, newEmail, now);
    await this.events.publish('auth.email_change_requested', {
      user_id: userId,
      email: user.email,
      new_email: newEmail,
      token_link: link.token_link,
      expires_at: link.expires_at.toISOString(),
      ip: client.ip,
    });
  }

  private async issueLink(userId: string, newEmail: string, now: Date): Promise<{ token_link: string; expires_at: Date }> {
    const { token, expiresAt } = await this.tokens.issue({
      userId,
      purpose: 'change_email',
      ttlSeconds: this.config.verifyEmailTokenTtl,
      now,
      newEmail,
    });
    return { token_link: tokenLink(this.platform.publicBaseUrl, 'change_email', token), expires_at: expiresAt };
  }

  /**
   * Spends a confirmation token: the account's address becomes the new one, verified. The links
   * still pending for the account (a reset or verification mailed to the old address, another
   * change) stop working with it.
   */
  async confirm(token: string, client: ClientInfo): Promise<UserView> {
    if (!isTokenShaped(token)) return this.rejected(client);
    const now = this.clock.now();
    const changed = await runInTransaction(this.dataSource, async (m) => {
      const spent = await this.tokens.consume('change_email', token, now, m);
      const users = m.getRepository(UserEntity);
      const user = spent?.newEmail ? await users.findOneBy({ id: spent.userId }) : null;
      if (!user || !spent?.newEmail) return null;
      const oldEmail = user.email;
      user.email = spent.newEmail;
      user.emailVerifiedAt = now;
      await users.update({ id: user.id }, { email: user.email, emailVerifiedAt: now });
      // Whoever reads the old mailbox no longer speaks for the account.
      await this.tokens.voidAll(user.id, ['reset_password', 'verify_email', 'change_email'], now, m);
      await this.events.publish('auth.email_changed', { user_id: user.id, old_email: oldEmail, new_email: user.email });
      return user;
    }).catch((error: unknown) => {
      // Another account took the address after the link was sent.
      throw isUniqueViolation(error) ? AuthError.emailTaken() : error;
    });
    if (!changed) return this.rejected(client);
    return toUserView(changed);
  }

  private async rejected(client: ClientInfo): Promise<never> {
    await this.events.publish('auth.token_rejected', { purpose: 'change_email', ip: client.ip });
    throw AuthError.invalidToken();
  }
}
