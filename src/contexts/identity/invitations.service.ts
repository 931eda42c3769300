import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { platformConfig, type PlatformConfig } from '../../platform/config';
import { ONE_STATEMENT } from '../../platform/database/one-statement';
import { isUniqueViolation } from '../../platform/database/sql-errors';
import { runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import type { TokenPair } from './auth.service';
import { AuthError } from './domain/auth.errors';
import { isValidEmail, normalizeEmail } from './domain/email';
import { isTokenShaped, tokenLink } from './domain/one-time-token';
import { identityConfig, type IdentityConfig } from './identity.config';
import { LoginLockoutStore } from './infra/login-lockout.store';
import { OneTimeTokenStore } from './infra/one-time-token.store';
import { PasswordHasher } from './infra/password.hasher';
import { TokenService } from './infra/token.service';
import { type Role, UserEntity } from './infra/user.entity';
import { PasswordRules } from './password-rules';
import { type ClientInfo, SessionsService } from './sessions.service';
import { accountStatus, toUserView, type UserView } from './user-view';

/** Closed (deletion pending) or erased: no invitation may open it again. */
const isClosed = (user: Pick<UserEntity, 'deletionDueAt' | 'erasedAt'>): boolean =>
  user.deletionDueAt !== null || user.erasedAt !== null;

/**
 * Admin-managed accounts: invitations an admin sends, accepted by setting a password.
 *
 * An invited account exists from the start (inactive, `invited_at` set, a password hash of
 * random bytes that no password matches, so a sign-in attempt costs the same argon2 work as
 * any other). Its `invite` link (INVITE_TOKEN_TTL) is the only way in: accepting it sets the
 * password, activates the account, marks the address verified (the link proved it) and signs
 * the new user in.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly oneTimeTokens: OneTimeTokenStore,
    private readonly passwords: PasswordRules,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly lockouts: LoginLockoutStore,
    private readonly accessTokens: TokenService,
    private readonly events: EventBus,
    private readonly clock: Clock,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
    @Inject(platformConfig.KEY) private readonly platform: PlatformConfig,
  ) {}

  /**
   * Opens an inactive account for `email` and mails it an invitation link.
   * @throws AuthError 400 invalid_email, 409 email_taken (also for an address already invited: resend instead)
   */
  async invite(adminId: string, input: { email: string; role: Role; displayName?: string | null }): Promise<UserView> {
    const email = normalizeEmail(input.email);
    if (!isValidEmail(email)) throw AuthError.invalidEmail();
    // Hashed before the transaction opens: argon2 must not hold a pooled connection.
    const passwordHash = await this.hasher.hash(randomBytes(32).toString('base64url'));
    const now = this.clock.now();
    // The account, its link and the audit record commit together.
    const user = await runInTransaction(this.dataSource, async (m) => {
      const users = m.getRepository(UserEntity);
      let created: UserEntity;
      try {
        created = await users.save(
          users.create({
            email,
            displayName: input.displayName ?? null,
            passwordHash,
            role: input.role,
            isActive: false,
            emailVerifiedAt: null,
            invitedAt: now,
          }),
          ONE_STATEMENT,
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw AuthError.emailTaken();
        throw error;
      }
      await this.sendInvitation(adminId, created, now, m);
      return created;
    });
    return toUserView(user);
  }

  /**
   * A new link for an account still waiting for its invitation; the older links stop working.
   * @throws AuthError 404 user_not_found, 409 account_closed, 409 not_invited
   */
  async resend(adminId: string, userId: string): Promise<UserView> {
    const now = this.clock.now();
    const user = await runInTransaction(this.dataSource, async (m) => {
      const found = await m.getRepository(UserEntity).findOne({ where: { id: userId }, lock: { mode: 'pessimistic_write' } });
      if (!found) throw AuthError.userNotFound();
      if (isClosed(found)) throw AuthError.accountClosed();
      if (accountStatus(found) !== 'invited') throw AuthError.notInvited();
      await this.sendInvitation(adminId, found, now, m);
      return found;
    });
    return toUserView(user);
  }

  /**
   * Spends an invitation token and sets the account's password (the full policy applies,
   * checked before the token is spent so a refused password does not burn the link). The
   * account becomes active with a verified address, a login lockout of the address ends, and a
   * session starts: the answer is the token pair a login gets.
   * @throws AuthError 400 invalid_token (unknown, spent, voided, expired, or the account was closed), 400 weak_password
   */
  async accept(token: string, password: string, client: ClientInfo): Promise<TokenPair> {
    if (!isTokenShaped(token)) return this.rejected(client);
    const holder = await this.oneTimeTokens.peek('invite', token, this.clock.now());
    const invited = holder ? await this.users.findOneBy({ id: holder.userId }) : null;
    if (!invited || isClosed(invited)) return this.rejected(client);
    await this.passwords.assertAcceptable(password, invited, 'password');
    const passwordHash = await this.hasher.hash(password);
    const now = this.clock.now();
    // Spent and applied together: a parallel use of the same link finds it spent and changes nothing.
    const user = await runInTransaction(this.dataSource, async (m) => {
      // The account's row is locked first (by `consume`, before the token's), as a closing locks them.
      const spent = await this.oneTimeTokens.consume('invite', token, now, m);
      if (!spent) return null;
      const users = m.getRepository(UserEntity);
      const found = await users.findOneBy({ id: spent.userId });
      if (!found || isClosed(found)) return null;
      await users.update(
        { id: found.id },
        {
          passwordHash,
          passwordChangedAt: now,
          isActive: true,
          emailVerifiedAt: found.emailVerifiedAt ?? now,
          lastLoginAt: now,
        },
      );
      await this.events.publish('auth.invitation_accepted', { user_id: found.id, ip: client.ip });
      return found;
    });
    if (!user) return this.rejected(client);
    // Like a reset, the link proves the mailbox: a lockout built up by guesses at the invited address ends.
    await this.lockouts.clear(user.email, now);
    const session = await this.sessions.start(user.id, client);
    const access = this.accessTokens.issue({
      sub: user.id,
      sid: session.sessionId,
      role: user.role,
      authTime: session.authenticatedAt,
    });
    return { ...access, refresh_token: session.refreshToken };
  }

  /** Issues the account's `invite` link (voiding older ones) and publishes it for the mail. */
  private async sendInvitation(adminId: string, user: UserEntity, now: Date, m: EntityManager): Promise<void> {
    const { token, expiresAt } = await this.oneTimeTokens.issue(
      { userId: user.id, purpose: 'invite', ttlSeconds: this.config.inviteTokenTtl, now },
      m,
    );
    await this.events.publish('auth.user_invited', {
      user_id: user.id,
      email: user.email,
      role: user.role,
      by_user_id: adminId,
      token_link: tokenLink(this.platform.publicBaseUrl, 'invite', token),
      expires_at: expiresAt.toISOString(),
    });
  }

  /** A 400 for a token that is unknown, spent, voided or expired; audited (never with the token). */
  private async rejected(client: ClientInfo): Promise<never> {
    await this.events.publish('auth.token_rejected', { purpose: 'invite', ip: client.ip });
    throw AuthError.invalidToken();
  }
}
