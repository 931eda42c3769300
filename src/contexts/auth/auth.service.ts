import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { platformConfig, type PlatformConfig } from '../../platform/config';
import { EventBus } from '../../platform/events';
import { type ClientInfo, SessionsService } from '../sessions';
import { AuthError } from './domain/auth.errors';
import { isValidEmail, normalizeEmail } from './domain/email';
import { checkPassword } from './domain/password-policy';
import { PasswordHasher } from './infra/password-hasher';
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

@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly events: EventBus,
    @Inject(platformConfig.KEY) private readonly config: PlatformConfig,
  ) {}

  async register(input: { email: string; password: string; displayName?: string | null }, client: ClientInfo): Promise<UserView> {
    const email = normalizeEmail(input.email);
    if (!isValidEmail(email)) {
      await this.events.publish('auth.registration_failed', { email, reason: 'invalid_email', ip: client.ip });
      throw AuthError.invalidEmail();
    }
    const failures = checkPassword(input.password, {
      email,
      displayName: input.displayName,
      minScore: this.config.auth.passwordMinScore,
    });
    if (failures.length > 0) {
      await this.events.publish('auth.registration_failed', { email, reason: 'weak_password', ip: client.ip });
      throw AuthError.weakPassword(failures);
    }
    const user = await this.createUser(email, input.password, input.displayName ?? null, 'user').catch(async (error: unknown) => {
      if (error instanceof AuthError && error.code === 'email_taken') {
        await this.events.publish('auth.registration_failed', { email, reason: 'email_taken', ip: client.ip });
      }
      throw error;
    });
    await this.events.publish('auth.user_registered', { user_id: user.id, email, ip: client.ip });
    return toUserView(user);
  }

  /** Creates a user with an already-validated email and password. */
  async createUser(email: string, password: string, displayName: string | null, role: Role): Promise<UserEntity> {
    const passwordHash = await this.hasher.hash(password);
    try {
      return await this.users.save(this.users.create({ email, displayName, passwordHash, role, isActive: true }));
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION)
        throw AuthError.emailTaken();
      throw error;
    }
  }

  /**
   * Password login. Unknown emails, wrong passwords and inactive accounts all answer the
   * same 401 after the same argon2 work, so nothing tells whether an email is registered.
   */
  async login(input: { email: string; password: string }, client: ClientInfo): Promise<TokenPair> {
    const email = normalizeEmail(input.email);
    const user = await this.users.findOneBy({ email });
    if (!user) {
      await this.hasher.verifyDummy(input.password);
      await this.failed(email, null, 'unknown_email', client);
      throw AuthError.invalidCredentials();
    }
    const ok = await this.hasher.verify(user.passwordHash, input.password);
    if (!ok) {
      await this.failed(email, user.id, 'wrong_password', client);
      throw AuthError.invalidCredentials();
    }
    if (!user.isActive) {
      await this.failed(email, user.id, 'inactive', client);
      throw AuthError.invalidCredentials();
    }
    const rehashed = this.hasher.needsRehash(user.passwordHash);
    const update: Partial<UserEntity> = { lastLoginAt: new Date() };
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
    const access = await this.tokens.issue({ sub: user.id, sid: session.sessionId, role: user.role });
    return { ...access, refresh_token: session.refreshToken };
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
    const failures = checkPassword(
      next,
      { email: user.email, displayName: user.displayName, minScore: this.config.auth.passwordMinScore },
      'new_password',
    );
    if (current === next)
      failures.push({ field: 'new_password', code: 'unchanged', message: 'Choose a password different from the current one.' });
    if (failures.length > 0) throw AuthError.weakPassword(failures);
    await this.users.update({ id: userId }, { passwordHash: await this.hasher.hash(next), passwordChangedAt: new Date() });
    const revoked = await this.sessions.revokeAllForUser(userId, 'password_changed', sessionId);
    await this.events.publish('auth.password_changed', { user_id: userId, sessions_revoked: revoked, ip: client.ip });
  }

  private async failed(
    email: string,
    userId: string | null,
    reason: 'unknown_email' | 'wrong_password' | 'inactive',
    client: ClientInfo,
  ): Promise<void> {
    await this.events.publish('auth.login_failed', {
      email,
      user_id: userId,
      reason,
      ip: client.ip,
      user_agent: client.userAgent,
    });
  }
}
