import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { identityConfig, type IdentityConfig } from './identity.config';
import { EventBus } from '../../platform/events';
import { JobRunner } from '../../platform/jobs';
import { ONE_STATEMENT } from '../../platform/database/one-statement';
import { isUniqueViolation } from '../../platform/database/sql-errors';
import { runInTransaction } from '../../platform/database/transaction-context';
import { type ClientInfo, SessionsService } from './sessions.service';
import { isCancellableBySignIn } from './domain/account-closure';
import { AuthError } from './domain/auth.errors';
import { isValidEmail, normalizeEmail } from './domain/email';
import { VOIDED_BY_NEW_PASSWORD } from './domain/one-time-token';
import { suspiciousReasons } from './domain/suspicious-login';
import { LoginLockoutStore } from './infra/login-lockout.store';
import { AccountClosureService } from './account-closure.service';
import { AccountRecoveryService } from './account-recovery.service';
import { MfaService } from './mfa.service';
import { OneTimeTokenStore } from './infra/one-time-token.store';
import { PasswordRules, throwUnlessAccepted } from './password-rules';
import { PasswordHasher } from './infra/password.hasher';
import { PasswordProof } from './password-proof';
import { type IssuedAccessToken, TokenService } from './infra/token.service';
import { readLoginSubject } from './infra/signing-in-user';
import { type Role, UserEntity } from './infra/user.entity';
import { toUserView, type UserView } from './user-view';

export interface TokenPair extends IssuedAccessToken {
  refresh_token: string;
}

export { toUserView, type UserView } from './user-view';

/** A password login: the address and password, plus a second factor when the account has MFA. */
export interface LoginInput {
  email: string;
  password: string;
  totp_code?: string;
  recovery_code?: string;
  /** A passkey's answer to a second-factor challenge (see `PasskeysService.authenticationOptions`). */
  passkey_response?: AuthenticationResponseJSON;
}

const HOUR_MS = 3_600_000;

/** How a verified sign-in ends: reopening a closing account, a rehashed password, the lockout streak, user fields to set. */
interface SignInOptions {
  reopening: boolean;
  rehashed: boolean;
  streak: boolean;
  /** The password hashed again with the current parameters, to replace the one checked; null: none. */
  rehash: string | null;
}

@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly events: EventBus,
    private readonly lockouts: LoginLockoutStore,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    private readonly mfa: MfaService,
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordRules,
    private readonly recovery: AccountRecoveryService,
    private readonly oneTimeTokens: OneTimeTokenStore,
    private readonly closure: AccountClosureService,
    private readonly proof: PasswordProof,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  /** Registration answers new and taken addresses alike (202, one body): verification is required. */
  get registrationIsSilent(): boolean {
    return this.config.requireEmailVerification;
  }

  /**
   * Creates an account and mails its verification link. With `REQUIRE_EMAIL_VERIFICATION` a
   * taken address is not an error: the result is `null` (the caller answers as for a new
   * account) and the address's owner is told of the attempt.
   */
  async register(
    input: { email: string; password: string; displayName?: string | null },
    client: ClientInfo,
  ): Promise<UserView | null> {
    const email = normalizeEmail(input.email);
    if (!isValidEmail(email)) {
      await this.events.publish('auth.registration_failed', { email, reason: 'invalid_email', ip: client.ip });
      throw AuthError.invalidEmail();
    }
    const decision = await this.passwords.judge(input.password, { email, displayName: input.displayName });
    if (decision.kind === 'reject') {
      await this.events.publish('auth.registration_failed', { email, reason: 'weak_password', ip: client.ip });
    }
    throwUnlessAccepted(decision);
    // Hashed before the transaction opens: argon2 must not hold a pooled connection.
    const passwordHash = await this.hasher.hash(input.password);
    // The user row and its audit record commit together (audit outbox): no account without its registration.
    const user = await runInTransaction(this.dataSource, async (m) => {
      const created = await this.insertUser(m.getRepository(UserEntity), email, passwordHash, input.displayName ?? null, 'user');
      await this.events.publish('auth.user_registered', { user_id: created.id, email, ip: client.ip });
      await this.recovery.sendVerification(created, m);
      return created;
    }).catch(async (error: unknown) => {
      if (error instanceof AuthError && error.code === 'email_taken') {
        await this.events.publish('auth.registration_failed', { email, reason: 'email_taken', ip: client.ip });
        if (this.config.requireEmailVerification) return this.tellOwnerOfTakenAddress(email, client);
      }
      throw error;
    });
    return user ? toUserView(user) : null;
  }

  /**
   * Where registration must not tell a taken address from a new one, the one who holds it
   * hears of the attempt instead (and the caller gets the same answer as for a new account).
   */
  private async tellOwnerOfTakenAddress(email: string, client: ClientInfo): Promise<null> {
    const owner = await this.users.findOneBy({ email });
    if (owner) await this.events.publish('auth.registration_attempted', { user_id: owner.id, email, ip: client.ip });
    return null;
  }

  /**
   * Creates a user with an already-validated email and password whose address counts as
   * verified (the operator chose it: the seeded admin).
   */
  async createUser(email: string, password: string, displayName: string | null, role: Role): Promise<UserEntity> {
    return this.insertUser(this.users, email, await this.hasher.hash(password), displayName, role, this.clock.now());
  }

  private async insertUser(
    users: Repository<UserEntity>,
    email: string,
    passwordHash: string,
    displayName: string | null,
    role: Role,
    emailVerifiedAt: Date | null = null,
  ): Promise<UserEntity> {
    try {
      return await users.save(
        users.create({ email, displayName, passwordHash, role, isActive: true, emailVerifiedAt }),
        ONE_STATEMENT,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw AuthError.emailTaken();
      throw error;
    }
  }

  /**
   * Password login. Unknown emails, wrong passwords and inactive accounts all answer the
   * same 401 after the same argon2 work, and the lockout is kept per email (registered or
   * not), so nothing tells whether an email is registered.
   */
  async login(input: LoginInput, client: ClientInfo): Promise<TokenPair> {
    const email = normalizeEmail(input.email);
    const now = this.clock.now();
    // The lockout row and the account in one read; the account is used only when the gate lets the attempt through.
    const subject = await readLoginSubject(this.users, email);
    const gate = await this.lockouts.gateOf(email, subject.lockout, now);
    if (gate.unlocked) await this.proof.unlocked(gate.userId, 'cooldown', null, true, client);
    if (!gate.allowed) {
      await this.events.publish('auth.login_blocked', {
        email,
        user_id: gate.userId,
        ip: client.ip,
        user_agent: client.userAgent,
        retry_after: gate.retryAfterSeconds,
      });
      throw AuthError.tooManyAttempts(gate.retryAfterSeconds);
    }

    const found = subject.signingIn;
    if (!found) {
      await this.hasher.verifyDummy(input.password);
      return this.failed(email, null, 'unknown_email', client, now);
    }
    const { user, mfaEnabled } = found;
    if (!(await this.hasher.verify(user.passwordHash, input.password)))
      return this.failed(email, user.id, 'wrong_password', client, now);
    // A closed account in its grace period signs in to cancel the closing (after the second factor).
    const reopening = !user.isActive && isCancellableBySignIn(user, now);
    if (!user.isActive && !reopening) return this.failed(email, user.id, 'inactive', client, now);
    // Only after the password: the answer must not tell an unverified address from a wrong password.
    if (this.config.requireEmailVerification && user.emailVerifiedAt === null) throw AuthError.emailNotVerified();
    const factor = await this.mfa.checkLogin(
      user.id,
      { totpCode: input.totp_code, recoveryCode: input.recovery_code, passkeyResponse: input.passkey_response },
      now,
      client,
      mfaEnabled,
    );
    if (factor === 'invalid') return this.failed(email, user.id, 'invalid_mfa_code', client, now);

    const rehashed = this.hasher.needsRehash(user.passwordHash);
    return this.signedIn(user, email, now, client, {
      reopening,
      rehashed,
      streak: gate.streak,
      rehash: rehashed ? await this.hasher.hash(input.password) : null,
    });
  }

  /**
   * Signs a user in whose credential a passkey ceremony has verified (user verification
   * included, so it stands for both factors): the same lockout gate, session, events and tokens
   * as a password login. A failure is counted like a wrong password.
   */
  async loginWithPasskey(user: UserEntity, client: ClientInfo): Promise<TokenPair> {
    const email = user.email;
    const now = this.clock.now();
    const gate = await this.lockouts.check(email, now);
    if (gate.unlocked) await this.proof.unlocked(gate.userId, 'cooldown', null, true, client);
    if (!gate.allowed) throw AuthError.tooManyAttempts(gate.retryAfterSeconds);
    const reopening = !user.isActive && isCancellableBySignIn(user, now);
    if (!user.isActive && !reopening) return this.failed(email, user.id, 'inactive', client, now);
    if (this.config.requireEmailVerification && user.emailVerifiedAt === null) throw AuthError.emailNotVerified();
    return this.signedIn(user, email, now, client, { reopening, rehashed: false, streak: gate.streak, rehash: null });
  }

  /** A failed passkey assertion for a known account counts like a wrong password (lockout bookkeeping). */
  async passkeyFailed(user: UserEntity, client: ClientInfo): Promise<never> {
    return this.failed(user.email, user.id, 'invalid_passkey', client, this.clock.now());
  }

  /**
   * The end of every successful sign-in: lockout success, session, events, tokens. Its facts
   * (the session, the sign-in, a suspicious one) are published together: one audit append.
   */
  private signedIn(user: UserEntity, email: string, now: Date, client: ClientInfo, options: SignInOptions): Promise<TokenPair> {
    return this.events.batch(() => this.signIn(user, email, now, client, options));
  }

  private async signIn(
    user: UserEntity,
    email: string,
    now: Date,
    client: ClientInfo,
    options: SignInOptions,
  ): Promise<TokenPair> {
    const { reopening, rehashed } = options;
    // The lockout row was read when the attempt began (`check`): no second read when there was none.
    const success = await this.lockouts.recordSuccess(email, now, options.streak);
    if (success.refused) throw AuthError.tooManyAttempts(success.retryAfterSeconds);
    if (reopening && !(await this.closure.reopen(user, client))) return this.failed(email, user.id, 'inactive', client, now);
    // A rehash replaces only the hash it checked: a reset or change committed meanwhile stands.
    if (options.rehash)
      await this.users.update({ id: user.id, passwordHash: user.passwordHash }, { passwordHash: options.rehash });
    // The session's statement also stamps the last login and remembers the sign-in's sources, and
    // writes nothing if the account changed since it was read (a reset, a password change, a
    // deactivation that ended every session): the credentials checked are no longer the account's.
    const session = await this.sessions.signIn(user.id, client, now, user.passwordChangedAt);
    if (!session) {
      // Not counted towards the lockout (the password was right when checked), but on the record.
      await this.events.publish('auth.login_failed', {
        email,
        user_id: user.id,
        reason: 'credentials_changed',
        ip: client.ip,
        user_agent: client.userAgent,
      });
      throw AuthError.invalidCredentials();
    }
    await this.events.publish('auth.login_succeeded', {
      user_id: user.id,
      session_id: session.sessionId,
      ip: client.ip,
      user_agent: client.userAgent,
      rehashed,
    });
    const reasons = suspiciousReasons({
      firstLogin: user.lastLoginAt === null,
      newSources: session.newSources,
      failuresBefore: success.previousFailures,
      repeatedFailuresThreshold: this.config.login.repeatedFailures,
    });
    if (reasons.length > 0) {
      await this.events.publish('auth.suspicious_login', {
        user_id: user.id,
        session_id: session.sessionId,
        ip: client.ip,
        user_agent: client.userAgent,
        reasons,
        failures_before: success.previousFailures,
      });
    }
    const access = this.tokens.issue({
      sub: user.id,
      sid: session.sessionId,
      role: session.role,
      authTime: session.authenticatedAt,
    });
    return { ...access, refresh_token: session.refreshToken };
  }

  /** Admin unlock: the account may log in at once; its failure streak and lockout level are forgotten. */
  async unlock(userId: string, byUserId: string, client: ClientInfo): Promise<void> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.userNotFound();
    const wasLocked = await this.lockouts.clear(user.email, this.clock.now());
    await this.proof.unlocked(user.id, 'admin', byUserId, wasLocked, client);
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<TokenPair> {
    const issued = await this.sessions.rotate(refreshToken, client);
    const user = await this.users.findOneBy({ id: issued.userId });
    if (!user || !user.isActive) {
      await this.sessions.revokeAllForUser(issued.userId, 'user_inactive');
      throw AuthError.invalidCredentials();
    }
    const access = this.tokens.issue({
      sub: user.id,
      sid: issued.sessionId,
      role: user.role,
      authTime: issued.authenticatedAt,
    });
    return { ...access, refresh_token: issued.refreshToken };
  }

  async me(userId: string): Promise<UserView> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.unauthenticated();
    return toUserView(user);
  }

  /**
   * Changes the password (current one required, policy applied), ends every other session and
   * voids the account's pending reset and address-change links (asked for under the old
   * password, perhaps from a stolen session). All of it commits with its audit record, or none.
   */
  async changePassword(userId: string, sessionId: string, current: string, next: string, client: ClientInfo): Promise<void> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.unauthenticated();
    await this.proof.checkCurrentPassword(user, current, client);
    const unchanged =
      current === next
        ? [{ field: 'new_password', code: 'unchanged', message: 'Choose a password different from the current one.' }]
        : [];
    await this.passwords.assertAcceptable(next, user, 'new_password', unchanged);
    // Hashed before the transaction opens: argon2 must not hold a pooled connection.
    const passwordHash = await this.hasher.hash(next);
    const now = this.clock.now();
    await runInTransaction(this.dataSource, async (m) => {
      await m.getRepository(UserEntity).update({ id: userId }, { passwordHash, passwordChangedAt: now });
      await this.oneTimeTokens.voidAll(userId, VOIDED_BY_NEW_PASSWORD, now, m);
      const revoked = await this.sessions.revokeAllForUser(userId, 'password_changed', sessionId);
      await this.events.publish('auth.password_changed', { user_id: userId, sessions_revoked: revoked, ip: client.ip });
    });
  }

  /** Records a failed login (lockout streak, events) and answers the one 401 every failure gets. */
  private async failed(
    email: string,
    userId: string | null,
    reason: 'unknown_email' | 'wrong_password' | 'inactive' | 'invalid_mfa_code' | 'invalid_passkey',
    client: ClientInfo,
    now: Date,
  ): Promise<never> {
    await this.proof.countFailure(email, userId, client, now, () =>
      this.events.publish('auth.login_failed', { email, user_id: userId, ip: client.ip, user_agent: client.userAgent, reason }),
    );
    throw reason === 'invalid_mfa_code' ? AuthError.invalidMfaCode() : AuthError.invalidCredentials();
  }

  /** Hourly, once across instances: forgets finished failure streaks and expired throttle counters. */
  @Cron(CronExpression.EVERY_HOUR, { name: 'cleanup_login_defence' })
  async cleanupScheduled(): Promise<void> {
    await this.jobs.runOnce('cleanup_login_defence', HOUR_MS, async (m) => {
      await this.deleteStaleLoginState(m, this.clock.now());
    });
  }

  async deleteStaleLoginState(m: EntityManager, now: Date): Promise<{ lockouts: number; counters: number }> {
    const lockouts = await this.lockouts.deleteStale(m, now);
    // Rows a login holds right now are skipped, not waited for: a login's counters statements lock
    // two rows in key order, and a DELETE waiting on one of them while holding another could deadlock.
    const counters = await m
      .createQueryBuilder()
      .delete()
      .from('login_throttle')
      .where('key IN (SELECT key FROM login_throttle WHERE expire < :now FOR UPDATE SKIP LOCKED)', { now: now.getTime() })
      .execute();
    return { lockouts, counters: counters.affected ?? 0 };
  }
}
