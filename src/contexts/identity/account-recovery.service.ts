import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { platformConfig, type PlatformConfig } from '../../platform/config';
import { runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { JobRunner } from '../../platform/jobs';
import { ApiKeysService } from './api-keys.service';
import { AuthError } from './domain/auth.errors';
import { isValidEmail, normalizeEmail } from './domain/email';
import { isTokenShaped, tokenLink, type TokenPurpose, VOIDED_BY_NEW_PASSWORD } from './domain/one-time-token';
import { identityConfig, type IdentityConfig } from './identity.config';
import { LoginLockoutStore } from './infra/login-lockout.store';
import { OneTimeTokenStore } from './infra/one-time-token.store';
import { PasswordHasher } from './infra/password.hasher';
import { UserEntity } from './infra/user.entity';
import { PasswordRules } from './password-rules';
import { type ClientInfo, SessionsService } from './sessions.service';
import { toUserView, type UserView } from './user-view';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The ways back into an account and proof of its address, through one-time links: email
 * verification and password reset.
 *
 * The requests that name an address (`requestVerification`, `forgotPassword`) answer the same
 * at once whether or not the address has an account: the lookup, the token and the mail happen
 * after the answer, in the background (awaited at shutdown), so neither the body nor the time
 * tells whether an address is registered.
 */
@Injectable()
export class AccountRecoveryService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Identity');
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly tokens: OneTimeTokenStore,
    private readonly passwords: PasswordRules,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly lockouts: LoginLockoutStore,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
    @Inject(platformConfig.KEY) private readonly platform: PlatformConfig,
  ) {}

  /**
   * Sends a verification link to an unverified account (`manager`: inside the caller's
   * transaction, e.g. registration, so the link's audit record commits with the account).
   */
  async sendVerification(user: Pick<UserEntity, 'id' | 'email'>, manager?: EntityManager): Promise<void> {
    const { token, expiresAt } = await this.tokens.issue(
      { userId: user.id, purpose: 'verify_email', ttlSeconds: this.config.verifyEmailTokenTtl, now: this.clock.now() },
      manager,
    );
    await this.events.publish('auth.email_verification_requested', {
      user_id: user.id,
      email: user.email,
      token_link: this.link('verify_email', token),
      expires_at: expiresAt.toISOString(),
    });
  }

  /** A new verification link for an unverified account with this address; nothing otherwise (same answer). */
  requestVerification(rawEmail: string): void {
    this.later('verification_request', async () => {
      const user = await this.activeUser(rawEmail);
      if (user && user.emailVerifiedAt === null) await this.sendVerification(user);
    });
  }

  /** Spends a verification token: the account's address is verified. */
  async verifyEmail(token: string, client: ClientInfo): Promise<UserView> {
    if (!isTokenShaped(token)) return this.rejected('verify_email', client);
    const now = this.clock.now();
    const user = await runInTransaction(this.dataSource, async (m) => {
      const spent = await this.tokens.consume('verify_email', token, now, m);
      const users = m.getRepository(UserEntity);
      const found = spent ? await users.findOneBy({ id: spent.userId }) : null;
      if (!found) return null;
      if (found.emailVerifiedAt === null) {
        found.emailVerifiedAt = now;
        await users.update({ id: found.id }, { emailVerifiedAt: now });
        await this.events.publish('auth.email_verified', { user_id: found.id, email: found.email });
      }
      return found;
    });
    if (!user) return this.rejected('verify_email', client);
    return toUserView(user);
  }

  /** A reset link for an active account with this address; nothing otherwise (same answer). */
  forgotPassword(rawEmail: string, client: ClientInfo): void {
    this.later('password_reset_request', async () => {
      const user = await this.activeUser(rawEmail);
      if (!user) return;
      const { token, expiresAt } = await this.tokens.issue({
        userId: user.id,
        purpose: 'reset_password',
        ttlSeconds: this.config.resetTokenTtl,
        now: this.clock.now(),
      });
      await this.events.publish('auth.password_reset_requested', {
        user_id: user.id,
        email: user.email,
        token_link: this.link('reset_password', token),
        expires_at: expiresAt.toISOString(),
        ip: client.ip,
      });
    });
  }

  /**
   * Spends a reset token and sets the new password (the full policy applies, checked before
   * the token is spent so a refused password does not burn the link). Every session and API
   * key of the account is revoked, its pending reset and address-change links are voided, a
   * lockout ends (a reset is the way back in for an owner locked out by someone guessing), MFA
   * stays required, and the owner gets a notice.
   */
  async resetPassword(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    if (!isTokenShaped(token)) return this.rejected('reset_password', client);
    const holder = await this.tokens.peek('reset_password', token, this.clock.now());
    const owner = holder ? await this.users.findOneBy({ id: holder.userId }) : null;
    if (!owner) return this.rejected('reset_password', client);
    await this.passwords.assertAcceptable(newPassword, owner, 'new_password');
    const passwordHash = await this.hasher.hash(newPassword);
    const now = this.clock.now();
    // One transaction for all of it and its audit record: a step that fails leaves the link, the
    // old password and every session as they were, so the owner can simply try again. A parallel
    // use of the same link finds it spent and changes nothing.
    const reset = await runInTransaction(this.dataSource, async (m) => {
      const spent = await this.tokens.consume('reset_password', token, now, m);
      if (!spent) return false;
      await m.getRepository(UserEntity).update({ id: spent.userId }, { passwordHash, passwordChangedAt: now });
      await this.tokens.voidAll(spent.userId, VOIDED_BY_NEW_PASSWORD, now, m);
      const apiKeysRevoked = await this.apiKeys.revokeAllForUser(m, spent.userId, spent.userId);
      await this.lockouts.clear(owner.email, now);
      const sessionsRevoked = await this.sessions.revokeAllForUser(spent.userId, 'password_reset');
      await this.events.publish('auth.password_reset', {
        user_id: spent.userId,
        sessions_revoked: sessionsRevoked,
        api_keys_revoked: apiKeysRevoked.length,
        ip: client.ip,
      });
      return true;
    });
    if (!reset) return this.rejected('reset_password', client);
  }

  /** Hourly, once across instances: tokens spent or expired over a day ago are deleted (kept a day for support questions). */
  @Cron(CronExpression.EVERY_HOUR, { name: 'cleanup_one_time_tokens' })
  async cleanupScheduled(): Promise<void> {
    const now = this.clock.now();
    await this.jobs.runOnce(
      'cleanup_one_time_tokens',
      HOUR_MS,
      (m) => this.tokens.deleteStale(new Date(now.getTime() - DAY_MS), m).then(() => undefined),
      now,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /** A 400 for a token that is unknown, spent, voided or expired; audited (never with the token). */
  private async rejected(purpose: TokenPurpose, client: ClientInfo): Promise<never> {
    await this.events.publish('auth.token_rejected', { purpose, ip: client.ip });
    throw AuthError.invalidToken();
  }

  private async activeUser(rawEmail: string): Promise<UserEntity | null> {
    const email = normalizeEmail(rawEmail);
    if (!isValidEmail(email)) return null;
    const user = await this.users.findOneBy({ email });
    return user?.isActive ? user : null;
  }

  private link(purpose: TokenPurpose, token: string): string {
    return tokenLink(this.platform.publicBaseUrl, purpose, token);
  }

  /** Runs after the answer; failures are logged (never with the address), shutdown waits for it. */
  private later(what: string, task: () => Promise<void>): void {
    const run = task()
      .catch((error: unknown) => this.logger.error({ err: error, event: `${what}_failed` }, `A ${what} could not be completed`))
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }
}
