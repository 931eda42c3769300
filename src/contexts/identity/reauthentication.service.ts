import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { EventBus } from '../../platform/events';
import { PasswordProof } from './password-proof';
import { AuthError } from './domain/auth.errors';
import { PasskeyError } from './domain/passkey.errors';
import { LoginLockoutStore } from './infra/login-lockout.store';
import { PasswordHasher } from './infra/password.hasher';
import { type IssuedAccessToken, TokenService } from './infra/token.service';
import { UserEntity } from './infra/user.entity';
import { MfaService } from './mfa.service';
import { PasskeyCeremonies } from './passkey-ceremonies';
import { type ClientInfo, SessionsService } from './sessions.service';

/** One proof of identity for a step-up: exactly one is given. */
export type ReauthenticationProof =
  | { method: 'password'; password: string }
  | { method: 'totp'; totpCode: string }
  | { method: 'recovery_code'; recoveryCode: string }
  | { method: 'passkey'; passkeyResponse: AuthenticationResponseJSON };

/**
 * Step-up (docs/identity.md, "Step-up"): a signed-in session's user proves who they are again —
 * password, TOTP or recovery code, or a passkey — and the session's `auth_time` becomes now, so
 * sensitive actions (guarded by `@RecentAuthRequired()`) go through for REAUTH_MAX_AGE. Failures
 * count towards the account's lockout like failed logins, so a stolen session cannot be used to
 * guess the password; a locked account cannot re-authenticate until its cooldown ends.
 */
@Injectable()
export class ReauthenticationService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly proof: PasswordProof,
    private readonly hasher: PasswordHasher,
    private readonly mfa: MfaService,
    private readonly ceremonies: PasskeyCeremonies,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly lockouts: LoginLockoutStore,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  /** Request options for re-authenticating with one of the account's passkeys. @throws 409 no_passkeys */
  passkeyOptions(userId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.ceremonies.requestOptions('reauthentication', userId);
  }

  /**
   * Checks the proof and refreshes the session's `auth_time`; a new access token carrying it.
   * @throws AuthError 400 invalid_current_password / invalid_mfa_code, 401 unauthenticated, 429 too_many_attempts;
   *   PasskeyError 400 passkey_challenge_invalid / passkey_rejected
   */
  async reauthenticate(
    principal: { id: string; sessionId: string },
    proof: ReauthenticationProof,
    client: ClientInfo,
  ): Promise<IssuedAccessToken> {
    const user = await this.users.findOneBy({ id: principal.id });
    if (!user?.isActive) throw AuthError.unauthenticated();
    const now = this.clock.now();
    const gate = await this.lockouts.check(user.email, now);
    if (!gate.allowed) throw AuthError.tooManyAttempts(gate.retryAfterSeconds);
    const who = {
      user_id: user.id,
      session_id: principal.sessionId,
      method: proof.method,
      ip: client.ip,
      user_agent: client.userAgent,
    };

    const refusal = await this.check(user, proof, now);
    if (refusal) {
      if (refusal.counts) {
        await this.proof.countFailure(user.email, user.id, client, now, () =>
          this.events.publish('auth.reauthentication_failed', who),
        );
      } else {
        await this.events.publish('auth.reauthentication_failed', who);
      }
      throw refusal.error;
    }
    if (!(await this.sessions.reauthenticated(principal.sessionId, user.id, now))) throw AuthError.unauthenticated();
    await this.events.publish('auth.reauthenticated', who);
    return this.tokens.issue({ sub: user.id, sid: principal.sessionId, role: user.role, authTime: now });
  }

  /** Null when the proof holds; otherwise the error to answer and whether it counts towards the lockout. */
  private async check(
    user: UserEntity,
    proof: ReauthenticationProof,
    now: Date,
  ): Promise<{ error: Error; counts: boolean } | null> {
    switch (proof.method) {
      case 'password':
        return (await this.hasher.verify(user.passwordHash, proof.password))
          ? null
          : { error: AuthError.currentPasswordWrong('password'), counts: true };
      case 'totp':
      case 'recovery_code': {
        const factor = proof.method === 'totp' ? { totpCode: proof.totpCode } : { recoveryCode: proof.recoveryCode };
        return (await this.mfa.verifyCode(user.id, factor, now)) ? null : { error: AuthError.invalidMfaCode(400), counts: true };
      }
      case 'passkey': {
        const outcome = await this.ceremonies.verify('reauthentication', proof.passkeyResponse, user.id);
        if (outcome.kind === 'verified') return null;
        // A spent or foreign challenge proves nothing either way: not a guess at the account.
        if (outcome.reason === 'invalid_challenge') return { error: PasskeyError.invalidChallenge(), counts: false };
        return { error: PasskeyError.rejected(), counts: true };
      }
    }
  }
}

/** The proof a `POST /auth/reauthenticate` body carries, or null unless it has exactly one. */
export function proofOf(body: {
  password?: string;
  totp_code?: string;
  recovery_code?: string;
  passkey_response?: Record<string, unknown>;
}): ReauthenticationProof | null {
  const given: ReauthenticationProof[] = [];
  if (body.password !== undefined) given.push({ method: 'password', password: body.password });
  if (body.totp_code !== undefined) given.push({ method: 'totp', totpCode: body.totp_code });
  if (body.recovery_code !== undefined) given.push({ method: 'recovery_code', recoveryCode: body.recovery_code });
  if (body.passkey_response !== undefined) {
    given.push({ method: 'passkey', passkeyResponse: body.passkey_response as unknown as AuthenticationResponseJSON });
  }
  return given.length === 1 ? given[0] : null;
}
