import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { toString as qrSvg } from 'qrcode';
import { DataSource, IsNull, Not, type Repository } from 'typeorm';
import { identityConfig, type IdentityConfig } from './identity.config';
import { EventBus } from '../../platform/events';
import { runInTransaction } from '../../platform/database/transaction-context';
import type { ClientInfo } from './sessions.service';
import { AuthError } from './domain/auth.errors';
import { hashRecoveryCode, newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './domain/recovery-codes';
import { PasswordProof } from './password-proof';
import { RecoveryCodeEntity } from './infra/recovery-code.entity';
import { SecretBox } from './infra/secret-box';
import { Totp } from './infra/totp';
import { UserEntity } from './infra/user.entity';
import { UserMfaEntity } from './infra/user-mfa.entity';
import { PasskeyCeremonies } from './passkey-ceremonies';

export interface SecondFactor {
  totpCode?: string;
  recoveryCode?: string;
  /** A passkey's answer to a `second_factor` challenge (obtained with the password step's `mfa_token`). */
  passkeyResponse?: AuthenticationResponseJSON;
}

export type FactorCheck = { method: 'none' } | { method: 'totp' | 'recovery_code' | 'passkey' };

/**
 * TOTP (RFC 6238) as a second factor: enrolment with a sealed secret, activation by a first
 * valid code (which also yields ten one-time recovery codes), login checks with replay
 * protection, and disabling with password plus code.
 */
@Injectable()
export class MfaService {
  private readonly box: SecretBox;

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserMfaEntity) private readonly factors: Repository<UserMfaEntity>,
    @InjectRepository(RecoveryCodeEntity) private readonly recoveryCodes: Repository<RecoveryCodeEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly proof: PasswordProof,
    private readonly events: EventBus,
    private readonly ceremonies: PasskeyCeremonies,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {
    this.box = new SecretBox(config.mfa.encryptionKeys);
  }

  async isEnabled(userId: string): Promise<boolean> {
    return this.factors.exists({ where: { userId, enabledAt: Not(IsNull()) } });
  }

  /** Starts (or restarts) enrolment: a new secret, sealed, not active until a valid code. */
  async enroll(userId: string): Promise<{ secret: string; otpauth_url: string; qr_svg: string }> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.unauthenticated();
    const existing = await this.factors.findOneBy({ userId });
    if (existing?.enabledAt) throw AuthError.mfaAlreadyEnabled();
    const secret = Totp.newSecret();
    const sealed = this.box.seal(secret, userId);
    // Replaces an enrolment not yet activated, never an active factor: an activation that
    // committed since the check above keeps its secret (an upsert reset it to not active).
    const written: unknown[] = await this.factors.query(
      `INSERT INTO user_mfa (user_id, secret_ciphertext, key_id, enabled_at, last_time_step) VALUES ($1, $2, $3, NULL, NULL)
       ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = EXCLUDED.secret_ciphertext, key_id = EXCLUDED.key_id,
         last_time_step = NULL
       WHERE user_mfa.enabled_at IS NULL
       RETURNING user_id`,
      [userId, sealed.ciphertext, sealed.keyId],
    );
    if (written.length === 0) throw AuthError.mfaAlreadyEnabled();
    const otpauthUrl = Totp.uri(secret, user.email, this.config.mfa.issuer);
    return { secret, otpauth_url: otpauthUrl, qr_svg: await qrSvg(otpauthUrl, { type: 'svg', margin: 1 }) };
  }

  /** Turns MFA on with the first valid code; returns the recovery codes (shown once). */
  async activate(userId: string, code: string, now: Date, client: ClientInfo): Promise<string[]> {
    const factor = await this.factors.findOneBy({ userId });
    if (!factor) throw AuthError.mfaNotEnrolled();
    if (factor.enabledAt) throw AuthError.mfaAlreadyEnabled();
    const step = await Totp.verify(this.secretOf(factor), code.trim(), now);
    if (step === null) {
      await this.events.publish('auth.mfa_failed', {
        user_id: userId,
        stage: 'activate',
        ip: client.ip,
        user_agent: client.userAgent,
      });
      throw AuthError.invalidMfaCode(400);
    }
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await runInTransaction(this.dataSource, async (m) => {
      // Only the enrolment this code was checked against, and only once: of two activations at
      // once (or one beside a new enrolment) one wins; the other's recovery codes were never valid.
      const enabled = await m.update(
        UserMfaEntity,
        { userId, enabledAt: IsNull(), secretCiphertext: factor.secretCiphertext },
        { enabledAt: now, lastTimeStep: step },
      );
      if (!enabled.affected) {
        // Enabled meanwhile, or enrolled again (a new secret, which this code was not checked against).
        const current = await m.findOneBy(UserMfaEntity, { userId });
        throw current?.enabledAt ? AuthError.mfaAlreadyEnabled() : AuthError.invalidMfaCode(400);
      }
      await m.delete(RecoveryCodeEntity, { userId });
      await m.insert(
        RecoveryCodeEntity,
        codes.map((c) => ({ userId, codeHash: hashRecoveryCode(userId, normalizeRecoveryCode(c)!) })),
      );
      await this.events.publish('auth.mfa_enabled', { user_id: userId, ip: client.ip, user_agent: client.userAgent });
    });
    return codes;
  }

  /** Turns MFA off: needs the password and a valid TOTP or recovery code. */
  async disable(userId: string, password: string, factor: SecondFactor, now: Date, client: ClientInfo): Promise<void> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.unauthenticated();
    const row = await this.factors.findOneBy({ userId });
    if (!row?.enabledAt) throw AuthError.mfaNotEnabled();
    await this.proof.checkCurrentPassword(user, password, client, 'password');
    if (!(factor.totpCode || factor.recoveryCode) || !(await this.checkFactor(row, factor, now))) {
      await this.events.publish('auth.mfa_failed', {
        user_id: userId,
        stage: 'disable',
        ip: client.ip,
        user_agent: client.userAgent,
      });
      throw AuthError.invalidMfaCode(400);
    }
    await runInTransaction(this.dataSource, async (m) => {
      await m.delete(RecoveryCodeEntity, { userId });
      await m.delete(UserMfaEntity, { userId });
      await this.events.publish('auth.mfa_disabled', { user_id: userId, ip: client.ip, user_agent: client.userAgent });
    });
  }

  /**
   * The login's second step. `none` for users without MFA; for MFA users a missing factor is
   * `mfa_required` (listing the account's methods, with an `mfa_token` for a passkey challenge
   * when it has passkeys), a wrong or replayed one `invalid` (the caller counts it as a failed
   * login). A passkey's refusal is published by the ceremony (`auth.passkey_login_failed`).
   * `enabled`: what the caller's read of the account found (false: no factor to read).
   */
  async checkLogin(
    userId: string,
    factor: SecondFactor,
    now: Date,
    client: ClientInfo,
    enabled: boolean,
  ): Promise<FactorCheck | 'invalid'> {
    if (!enabled) return { method: 'none' };
    const row = await this.factors.findOneBy({ userId });
    if (!row?.enabledAt) return { method: 'none' };
    if (factor.passkeyResponse) {
      const outcome = await this.ceremonies.verify('second_factor', factor.passkeyResponse, userId);
      return outcome.kind === 'verified' ? { method: 'passkey' } : 'invalid';
    }
    if (!factor.totpCode && !factor.recoveryCode) throw await this.secondFactorRequired(userId);
    const method = await this.checkFactor(row, factor, now);
    if (!method) {
      await this.events.publish('auth.mfa_failed', {
        user_id: userId,
        stage: 'login',
        ip: client.ip,
        user_agent: client.userAgent,
      });
      return 'invalid';
    }
    if (method === 'recovery_code') {
      const left = await this.recoveryCodes.countBy({ userId, usedAt: IsNull() });
      await this.events.publish('auth.recovery_code_used', {
        user_id: userId,
        remaining: left,
        ip: client.ip,
        user_agent: client.userAgent,
      });
    }
    return { method };
  }

  /** `mfa_required` with the account's methods (and, when it has passkeys, the ticket for a passkey challenge). */
  private async secondFactorRequired(userId: string): Promise<AuthError> {
    if (!(await this.ceremonies.hasPasskeys(userId))) return AuthError.mfaRequired();
    return AuthError.mfaRequired(['totp', 'passkey', 'recovery_code'], await this.ceremonies.issueMfaToken(userId));
  }

  /**
   * Checks a second factor of a signed-in user who is re-authenticating (step-up): a TOTP code
   * (its time step consumed) or a recovery code (consumed); false when MFA is off or it is wrong.
   */
  async verifyCode(userId: string, factor: Pick<SecondFactor, 'totpCode' | 'recoveryCode'>, now: Date): Promise<boolean> {
    const row = await this.factors.findOneBy({ userId });
    if (!row?.enabledAt || !(factor.totpCode || factor.recoveryCode)) return false;
    return (await this.checkFactor(row, factor, now)) !== null;
  }

  /**
   * A sensitive action's second factor (closing the account): nothing to check without MFA;
   * with it, a TOTP or recovery code is required (`mfa_required`) and must be valid
   * (`400 invalid_mfa_code`, audited as a failed factor at `stage`).
   */
  async confirm(userId: string, factor: SecondFactor, now: Date, client: ClientInfo, stage: 'delete_account'): Promise<void> {
    const row = await this.factors.findOneBy({ userId });
    if (!row?.enabledAt) return;
    if (!factor.totpCode && !factor.recoveryCode) throw AuthError.mfaRequired();
    if (await this.checkFactor(row, factor, now)) return;
    await this.events.publish('auth.mfa_failed', { user_id: userId, stage, ip: client.ip, user_agent: client.userAgent });
    throw AuthError.invalidMfaCode(400);
  }

  /** Checks a TOTP code (and consumes its time step) or a recovery code (and consumes it). */
  private async checkFactor(row: UserMfaEntity, factor: SecondFactor, now: Date): Promise<'totp' | 'recovery_code' | null> {
    if (factor.totpCode) {
      const step = await Totp.verify(this.secretOf(row), factor.totpCode.trim(), now, row.lastTimeStep ?? undefined);
      if (step === null) return null;
      // Consume the step atomically: of two concurrent logins with one code, one wins.
      const result = await this.dataSource
        .createQueryBuilder()
        .update(UserMfaEntity)
        .set({ lastTimeStep: step })
        .where('user_id = :id AND (last_time_step IS NULL OR last_time_step < :step)', { id: row.userId, step })
        .execute();
      return (result.affected ?? 0) === 1 ? 'totp' : null;
    }
    const normalized = normalizeRecoveryCode(factor.recoveryCode ?? '');
    if (!normalized) return null;
    const result = await this.dataSource
      .createQueryBuilder()
      .update(RecoveryCodeEntity)
      .set({ usedAt: now })
      .where('user_id = :id AND code_hash = :hash AND used_at IS NULL', {
        id: row.userId,
        hash: hashRecoveryCode(row.userId, normalized),
      })
      .execute();
    return (result.affected ?? 0) === 1 ? 'recovery_code' : null;
  }

  private secretOf(row: UserMfaEntity): string {
    return this.box.open({ keyId: row.keyId, ciphertext: row.secretCiphertext }, row.userId);
  }
}
