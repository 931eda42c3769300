import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { Cron, CronExpression } from '@nestjs/schedule';
import { DataSource, type EntityManager, LessThan, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { isUniqueViolation } from '../../platform/database/sql-errors';
import { runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { JobRunner } from '../../platform/jobs';
import type { ClientInfo } from './sessions.service';
import { AuthService, type TokenPair } from './auth.service';
import { credentialIdFits } from './domain/passkey-credential-id';
import { PasskeyError } from './domain/passkey.errors';
import { knownTransports } from './domain/passkey-transports';
import { challengeOf, PasskeyCeremonies } from './passkey-ceremonies';
import { PasskeyEntity, WebAuthnChallengeEntity } from './infra/passkey.entity';
import { UserEntity } from './infra/user.entity';
import { webAuthnConfig, type WebAuthnConfig } from './webauthn.config';

/** A passkey as its owner sees it. */
export interface PasskeyView {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  backed_up: boolean;
  device_type: 'singleDevice' | 'multiDevice';
  transports: string[];
}

export const PASSKEY_NAME_MAX = 64;
const HOUR_MS = 3_600_000;

const toView = (p: PasskeyEntity): PasskeyView => ({
  id: p.id,
  name: p.name,
  created_at: p.createdAt.toISOString(),
  last_used_at: p.lastUsedAt?.toISOString() ?? null,
  backed_up: p.backedUp,
  device_type: p.deviceType,
  transports: p.transports,
});

/**
 * Passkeys (WebAuthn, `@simplewebauthn/server`): registering one on a signed-in account, signing
 * in with one (discoverable credentials; user verification required, so it stands for both
 * factors), and managing them. Challenges live in PostgreSQL, single use, bound to their
 * ceremony (and account), so any instance can finish a ceremony another started.
 */
@Injectable()
export class PasskeysService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(PasskeyEntity) private readonly passkeys: Repository<PasskeyEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly auth: AuthService,
    private readonly ceremonies: PasskeyCeremonies,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    @Inject(webAuthnConfig.KEY) private readonly config: WebAuthnConfig,
  ) {}

  /** Creation options for a new passkey of `userId` (its existing ones excluded). @throws 409 passkey_limit */
  async registrationOptions(userId: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const user = await this.users.findOneByOrFail({ id: userId });
    const existing = await this.passkeys.find({ where: { userId }, order: { createdAt: 'ASC' } });
    if (existing.length >= this.config.maxPasskeys) throw PasskeyError.limit(this.config.maxPasskeys);
    const options = await generateRegistrationOptions({
      rpName: this.config.rpName,
      rpID: this.config.rpId,
      userName: user.email,
      userDisplayName: user.displayName ?? user.email,
      userID: Buffer.from(user.id.replace(/-/g, ''), 'hex'),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({
        id: p.credentialId,
        transports: p.transports as AuthenticatorTransport[],
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      timeout: this.config.challengeTtl * 1000,
    });
    await this.ceremonies.remember(options.challenge, 'registration', userId);
    return options;
  }

  /**
   * Verifies the authenticator's answer to a registration challenge of `userId` and stores the passkey.
   * @throws PasskeyError 400 passkey_challenge_invalid / passkey_rejected (a credential id over 1023 bytes too),
   *   409 passkey_limit / passkey_exists
   */
  async register(userId: string, response: RegistrationResponseJSON, name: string | undefined): Promise<PasskeyView> {
    const challenge = await this.ceremonies.spend(challengeOf(response), 'registration', userId);
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.config.origins,
        expectedRPID: this.config.rpId,
        requireUserVerification: true,
      });
    } catch (error) {
      throw PasskeyError.rejected(error instanceof Error ? error.message : undefined);
    }
    if (!verification.verified) throw PasskeyError.rejected();
    const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
    if (!credentialIdFits(credential.id)) throw PasskeyError.rejected('The credential id is longer than WebAuthn allows.');
    return runInTransaction(this.dataSource, async (m) => {
      // One account's registrations one after the other, so parallel ones cannot pass the limit.
      await m.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
      if ((await m.countBy(PasskeyEntity, { userId })) >= this.config.maxPasskeys)
        throw PasskeyError.limit(this.config.maxPasskeys);
      if (await m.existsBy(PasskeyEntity, { credentialId: credential.id })) throw PasskeyError.alreadyRegistered();
      const passkey = m.create(PasskeyEntity, {
        userId,
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey),
        counter: credential.counter,
        transports: knownTransports(credential.transports ?? response.response.transports),
        deviceType: credentialDeviceType,
        backedUp: credentialBackedUp,
        name: name?.trim() || `Passkey ${(await m.countBy(PasskeyEntity, { userId })) + 1}`,
      });
      const saved = await m.save(passkey).catch((error: unknown) => {
        // Another account registering the same credential at the same moment (only the caller's
        // own row is locked above): the unique index decides, and the loser hears what a later one would.
        throw isUniqueViolation(error, 'ux_passkeys_credential_id') ? PasskeyError.alreadyRegistered() : error;
      });
      await this.events.publish('auth.passkey_registered', {
        user_id: userId,
        passkey_id: saved.id,
        name: saved.name,
        backed_up: saved.backedUp,
        device_type: saved.deviceType,
      });
      return toView(saved);
    });
  }

  /**
   * Request options for signing in with a passkey. Without `mfaToken`: a discoverable sign-in,
   * `allowCredentials` always empty (the authenticator offers the account's passkeys), so the
   * answer does not tell whether an address has an account, or passkeys. With the password
   * step's `mfaToken` (spent here): a second-factor challenge for that account's passkeys.
   * @throws PasskeyError 400 passkey_challenge_invalid (mfa_token unknown, used or expired), 409 no_passkeys
   */
  async authenticationOptions(mfaToken?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    if (mfaToken === undefined) return this.ceremonies.requestOptions('authentication', null);
    const userId = await this.ceremonies.redeemMfaToken(mfaToken);
    if (!userId) throw PasskeyError.invalidChallenge('mfa_token');
    return this.ceremonies.requestOptions('second_factor', userId);
  }

  /**
   * Signs in with a passkey's answer to a sign-in challenge: the same tokens as a password login.
   * A failed assertion of a known passkey counts as a failed login of its account (lockout).
   * @throws PasskeyError 400 passkey_challenge_invalid, 401 invalid_credentials; AuthError 429 (lockout)
   */
  async authenticate(response: AuthenticationResponseJSON, client: ClientInfo): Promise<TokenPair> {
    const outcome = await this.ceremonies.verify('authentication', response, null);
    if (outcome.kind === 'verified') {
      return this.auth.loginWithPasskey(await this.users.findOneByOrFail({ id: outcome.passkey.userId }), client);
    }
    if (outcome.reason === 'invalid_challenge') throw PasskeyError.invalidChallenge();
    if (outcome.passkey === null) throw PasskeyError.signInFailed();
    return this.auth.passkeyFailed(await this.users.findOneByOrFail({ id: outcome.passkey.userId }), client);
  }

  /** The account's passkeys, oldest first. */
  async list(userId: string): Promise<PasskeyView[]> {
    return (await this.passkeys.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } })).map(toView);
  }

  /** @throws PasskeyError 404 passkey_not_found */
  async rename(userId: string, id: string, name: string): Promise<PasskeyView> {
    return runInTransaction(this.dataSource, async (m) => {
      const passkey = await m.findOneBy(PasskeyEntity, { id, userId });
      if (!passkey) throw PasskeyError.notFound();
      if (passkey.name === name) return toView(passkey);
      await m.update(PasskeyEntity, { id }, { name });
      await this.events.publish('auth.passkey_renamed', { user_id: userId, passkey_id: id, name });
      return toView({ ...passkey, name });
    });
  }

  /** @throws PasskeyError 404 passkey_not_found */
  async remove(userId: string, id: string): Promise<void> {
    await runInTransaction(this.dataSource, async (m) => {
      const passkey = await m.findOneBy(PasskeyEntity, { id, userId });
      if (!passkey) throw PasskeyError.notFound();
      await m.delete(PasskeyEntity, { id });
      await this.events.publish('auth.passkey_removed', { user_id: userId, passkey_id: id, name: passkey.name });
    });
  }

  /** Hourly, once across instances: challenges nobody answered in time. */
  @Cron(CronExpression.EVERY_HOUR, { name: 'cleanup_webauthn_challenges' })
  async cleanupScheduled(): Promise<void> {
    await this.jobs.runOnce('cleanup_webauthn_challenges', HOUR_MS, async (m) => {
      await this.deleteExpiredChallenges(m);
    });
  }

  /** Challenges nobody answered in time. */
  async deleteExpiredChallenges(m: EntityManager = this.dataSource.manager): Promise<number> {
    const { affected } = await m.delete(WebAuthnChallengeEntity, { expiresAt: LessThan(this.clock.now()) });
    return affected ?? 0;
  }
}
