import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Cron, CronExpression } from '@nestjs/schedule';
import { DataSource, type EntityManager, QueryFailedError, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import type { FieldError } from '../../platform/http/problem';
import { identityConfig, type IdentityConfig } from './identity.config';
import { EventBus } from '../../platform/events';
import { JobRunner } from '../../platform/jobs';
import { ONE_STATEMENT } from '../../platform/database/one-statement';
import { runInTransaction } from '../../platform/database/transaction-context';
import { type ClientInfo, SessionsService } from './sessions.service';
import { AuthError } from './domain/auth.errors';
import { decidePassword, type PasswordDecision, screeningUnavailable } from './domain/breached-password';
import { isValidEmail, normalizeEmail } from './domain/email';
import { checkPassword, type PasswordContext } from './domain/password-policy';
import { suspiciousReasons } from './domain/suspicious-login';
import { BreachedPasswords } from './infra/breached-passwords';
import { LoginLockoutStore } from './infra/login-lockout.store';
import { LoginSources } from './infra/login-source.store';
import { MfaService } from './mfa.service';
import { PasswordHasher } from './infra/password.hasher';
import { type IssuedAccessToken, TokenService } from './infra/token.service';
import { type Role, UserEntity } from './infra/user.entity';

export interface TokenPair extends IssuedAccessToken {
  refresh_token: string;
}

export interface UserView {
  id: string;
  email: string;
  display_name: string | null;
  role: Role;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export function toUserView(user: UserEntity): UserView {
  return {
    id: user.id,
    email: user.email,
    display_name: user.displayName,
    role: user.role,
    is_active: user.isActive,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
  };
}

const UNIQUE_VIOLATION = '23505';
const HOUR_MS = 3_600_000;

@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly events: EventBus,
    private readonly lockouts: LoginLockoutStore,
    private readonly loginSources: LoginSources,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    private readonly mfa: MfaService,
    private readonly dataSource: DataSource,
    private readonly breached: BreachedPasswords,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  async register(input: { email: string; password: string; displayName?: string | null }, client: ClientInfo): Promise<UserView> {
    const email = normalizeEmail(input.email);
    if (!isValidEmail(email)) {
      await this.events.publish('auth.registration_failed', { email, reason: 'invalid_email', ip: client.ip });
      throw AuthError.invalidEmail();
    }
    const decision = await this.judgePassword(input.password, {
      email,
      displayName: input.displayName,
      minScore: this.config.passwordMinScore,
    });
    if (decision.kind === 'reject') {
      await this.events.publish('auth.registration_failed', { email, reason: 'weak_password', ip: client.ip });
      throw AuthError.weakPassword(decision.failures);
    }
    if (decision.kind === 'unverified') throw screeningUnavailable();
    // Hashed before the transaction opens: argon2 must not hold a pooled connection.
    const passwordHash = await this.hasher.hash(input.password);
    // The user row and its audit record commit together (audit outbox): no account without its registration.
    const user = await runInTransaction(this.dataSource, async (m) => {
      const created = await this.insertUser(m.getRepository(UserEntity), email, passwordHash, input.displayName ?? null, 'user');
      await this.events.publish('auth.user_registered', { user_id: created.id, email, ip: client.ip });
      return created;
    }).catch(async (error: unknown) => {
      if (error instanceof AuthError && error.code === 'email_taken') {
        await this.events.publish('auth.registration_failed', { email, reason: 'email_taken', ip: client.ip });
      }
      throw error;
    });
    return toUserView(user);
  }

  /** Creates a user with an already-validated email and password. */
  async createUser(email: string, password: string, displayName: string | null, role: Role): Promise<UserEntity> {
    return this.insertUser(this.users, email, await this.hasher.hash(password), displayName, role);
  }

  private async insertUser(
    users: Repository<UserEntity>,
    email: string,
    passwordHash: string,
    displayName: string | null,
    role: Role,
  ): Promise<UserEntity> {
    try {
      return await users.save(users.create({ email, displayName, passwordHash, role, isActive: true }), ONE_STATEMENT);
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION)
        throw AuthError.emailTaken();
      throw error;
    }
  }

  /**
   * Password login. Unknown emails, wrong passwords and inactive accounts all answer the
   * same 401 after the same argon2 work, and the lockout is kept per email (registered or
   * not), so nothing tells whether an email is registered.
   */
  async login(
    input: { email: string; password: string; totp_code?: string; recovery_code?: string },
    client: ClientInfo,
  ): Promise<TokenPair> {
    const email = normalizeEmail(input.email);
    const now = this.clock.now();
    const gate = await this.lockouts.check(email, now);
    if (gate.unlocked) await this.unlocked(gate.userId, 'cooldown', null, true, client);
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

    const user = await this.users.findOneBy({ email });
    if (!user) {
      await this.hasher.verifyDummy(input.password);
      return this.failed(email, null, 'unknown_email', client, now);
    }
    if (!(await this.hasher.verify(user.passwordHash, input.password)))
      return this.failed(email, user.id, 'wrong_password', client, now);
    if (!user.isActive) return this.failed(email, user.id, 'inactive', client, now);
    const factor = await this.mfa.checkLogin(
      user.id,
      { totpCode: input.totp_code, recoveryCode: input.recovery_code },
      now,
      client,
    );
    if (factor === 'invalid') return this.failed(email, user.id, 'invalid_mfa_code', client, now);

    const success = await this.lockouts.recordSuccess(email, now);
    if (success.refused) throw AuthError.tooManyAttempts(success.retryAfterSeconds);
    const rehashed = this.hasher.needsRehash(user.passwordHash);
    const update: Partial<UserEntity> = { lastLoginAt: now };
    if (rehashed) update.passwordHash = await this.hasher.hash(input.password);
    await this.users.update({ id: user.id }, update);
    const session = await this.sessions.start(user.id, client);
    await this.events.publish('auth.login_succeeded', {
      user_id: user.id,
      session_id: session.sessionId,
      ip: client.ip,
      user_agent: client.userAgent,
      rehashed,
    });
    const reasons = suspiciousReasons({
      firstLogin: user.lastLoginAt === null,
      newSources: await this.loginSources.remember(user.id, client, now),
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
    const access = await this.tokens.issue({ sub: user.id, sid: session.sessionId, role: user.role });
    return { ...access, refresh_token: session.refreshToken };
  }

  /** Admin unlock: the account may log in at once; its failure streak and lockout level are forgotten. */
  async unlock(userId: string, byUserId: string, client: ClientInfo): Promise<void> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.userNotFound();
    const wasLocked = await this.lockouts.clear(user.email, this.clock.now());
    await this.unlocked(user.id, 'admin', byUserId, wasLocked, client);
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<TokenPair> {
    const issued = await this.sessions.rotate(refreshToken, client);
    const user = await this.users.findOneBy({ id: issued.userId });
    if (!user || !user.isActive) {
      await this.sessions.revokeAllForUser(issued.userId, 'user_inactive');
      throw AuthError.invalidCredentials();
    }
    const access = await this.tokens.issue({ sub: user.id, sid: issued.sessionId, role: user.role });
    return { ...access, refresh_token: issued.refreshToken };
  }

  async me(userId: string): Promise<UserView> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.unauthenticated();
    return toUserView(user);
  }

  /** Changes the password (current one required, policy applied) and ends every other session. */
  async changePassword(userId: string, sessionId: string, current: string, next: string, client: ClientInfo): Promise<void> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.unauthenticated();
    if (!(await this.hasher.verify(user.passwordHash, current))) throw AuthError.currentPasswordWrong();
    const unchanged =
      current === next
        ? [{ field: 'new_password', code: 'unchanged', message: 'Choose a password different from the current one.' }]
        : [];
    const decision = await this.judgePassword(
      next,
      { email: user.email, displayName: user.displayName, minScore: this.config.passwordMinScore },
      'new_password',
      unchanged,
    );
    if (decision.kind === 'reject') throw AuthError.weakPassword(decision.failures);
    if (decision.kind === 'unverified') throw screeningUnavailable();
    await this.users.update({ id: userId }, { passwordHash: await this.hasher.hash(next), passwordChangedAt: new Date() });
    const revoked = await this.sessions.revokeAllForUser(userId, 'password_changed', sessionId);
    await this.events.publish('auth.password_changed', { user_id: userId, sessions_revoked: revoked, ip: client.ip });
  }

  /**
   * A candidate password against every rule at once: the synchronous policy (plus `extra`
   * failures the caller found), then the breached-password screening (offline list, and the
   * range provider when configured).
   */
  private async judgePassword(
    password: string,
    context: PasswordContext,
    field = 'password',
    extra: FieldError[] = [],
  ): Promise<PasswordDecision> {
    const failures = [...checkPassword(password, context, field), ...extra];
    return decidePassword(failures, await this.breached.screen(password), field);
  }

  /** Records a failed login (lockout streak, events) and answers the one 401 every failure gets. */
  private async failed(
    email: string,
    userId: string | null,
    reason: 'unknown_email' | 'wrong_password' | 'inactive' | 'invalid_mfa_code',
    client: ClientInfo,
    now: Date,
  ): Promise<never> {
    const who = { email, user_id: userId, ip: client.ip, user_agent: client.userAgent };
    // The lock and its audit record commit together (published inside the lockout's transaction).
    const outcome = await this.lockouts.recordFailure(email, userId, now, async ({ locked }) => {
      if (!locked) return;
      await this.events.publish('auth.account_locked', {
        ...who,
        locked_until: locked.until.toISOString(),
        lockout_level: locked.level,
        cooldown_seconds: locked.cooldownSeconds,
      });
    });
    await this.events.publish('auth.login_failed', { ...who, reason });
    if (outcome.state.failedCount === this.config.login.repeatedFailures) {
      await this.events.publish('auth.repeated_login_failures', { ...who, failures: outcome.state.failedCount });
    }
    throw reason === 'invalid_mfa_code' ? AuthError.invalidMfaCode() : AuthError.invalidCredentials();
  }

  private async unlocked(
    userId: string | null,
    reason: 'cooldown' | 'admin',
    byUserId: string | null,
    wasLocked: boolean,
    client: ClientInfo,
  ): Promise<void> {
    await this.events.publish('auth.account_unlocked', {
      user_id: userId,
      reason,
      by_user_id: byUserId,
      was_locked: wasLocked,
      ip: client.ip,
    });
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
    const counters = await m
      .createQueryBuilder()
      .delete()
      .from('login_throttle')
      .where('expire < :now', { now: now.getTime() })
      .execute();
    return { lockouts, counters: counters.affected ?? 0 };
  }
}
