import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { Cron, CronExpression } from '@nestjs/schedule';
import { DataSource, type EntityManager, LessThan, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { JobRunner } from '../../platform/jobs';
import type { ClientInfo } from './sessions.service';
import { AuthService, type TokenPair } from './auth.service';
import { PasskeyError } from './domain/passkey.errors';
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

/** The challenge an answer was made for, as the browser put it in clientDataJSON (null when unreadable). */
function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string | null {
  const encoded = response.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 8192) return null;
  try {
    const parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' && parsed.challenge.length <= 64 ? parsed.challenge : null;
  } catch {
    return null;
  }
}

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
    @InjectRepository(WebAuthnChallengeEntity) private readonly challenges: Repository<WebAuthnChallengeEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly auth: AuthService,
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
    await this.remember(options.challenge, 'registration', userId);
    return options;
  }

  /**
   * Verifies the authenticator's answer to a registration challenge of `userId` and stores the passkey.
   * @throws PasskeyError 400 passkey_challenge_invalid / passkey_rejected, 409 passkey_limit / passkey_exists
   */
  async register(userId: string, response: RegistrationResponseJSON, name: string | undefined): Promise<PasskeyView> {
    const challenge = await this.spend(challengeOf(response), 'registration', userId);
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
    return runInTransaction(this.dataSource, async (m) => {
      // One account's registrations one after the other, so parallel ones cannot pass the limit.
      await m.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
      if ((await m.countBy(PasskeyEntity, { userId })) >= this.config.maxPasskeys)
        throw PasskeyError.limit(this.config.maxPasskeys);
      if (await m.existsBy(PasskeyEntity, { credentialId: credential.id })) throw PasskeyError.alreadyRegistered();
      const saved = await m.save(
        m.create(PasskeyEntity, {
          userId,
          credentialId: credential.id,
          publicKey: Buffer.from(credential.publicKey),
          counter: credential.counter,
          transports: (credential.transports ?? response.response.transports ?? []).slice(0, 8),
          deviceType: credentialDeviceType,
          backedUp: credentialBackedUp,
          name: name?.trim() || `Passkey ${(await m.countBy(PasskeyEntity, { userId })) + 1}`,
        }),
      );
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
   * Request options for signing in with a discoverable passkey. `allowCredentials` is always
   * empty (the authenticator offers the account's passkeys), so the answer does not tell whether
   * an address has an account, or passkeys.
   */
  async authenticationOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({
      rpID: this.config.rpId,
      userVerification: 'required',
      allowCredentials: [],
      timeout: this.config.challengeTtl * 1000,
    });
    await this.remember(options.challenge, 'authentication', null);
    return options;
  }

  /**
   * Signs in with a passkey's answer to a sign-in challenge: the same tokens as a password login.
   * A failed assertion of a known passkey counts as a failed login of its account (lockout).
   * @throws PasskeyError 400 passkey_challenge_invalid, 401 invalid_credentials; AuthError 429 (lockout)
   */
  async authenticate(response: AuthenticationResponseJSON, client: ClientInfo): Promise<TokenPair> {
    let challenge: string;
    try {
      challenge = await this.spend(challengeOf(response), 'authentication', null);
    } catch (error) {
      await this.events.publish('auth.passkey_login_failed', { user_id: null, passkey_id: null, reason: 'invalid_challenge' });
      throw error;
    }
    const passkey = typeof response.id === 'string' ? await this.passkeys.findOneBy({ credentialId: response.id }) : null;
    if (!passkey) {
      await this.events.publish('auth.passkey_login_failed', { user_id: null, passkey_id: null, reason: 'unknown_credential' });
      throw PasskeyError.signInFailed();
    }
    const user = await this.users.findOneByOrFail({ id: passkey.userId });
    let newCounter: number;
    try {
      // The counter is checked here, not by the library, so the policy can be `warn` as well as `refuse`.
      const verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.config.origins,
        expectedRPID: this.config.rpId,
        credential: {
          id: passkey.credentialId,
          publicKey: new Uint8Array(passkey.publicKey),
          counter: 0,
          transports: passkey.transports,
        },
        requireUserVerification: true,
      });
      if (!verification.verified) throw new Error('not verified');
      newCounter = verification.authenticationInfo.newCounter;
    } catch {
      await this.events.publish('auth.passkey_login_failed', {
        user_id: user.id,
        passkey_id: passkey.id,
        reason: 'invalid_assertion',
      });
      return this.auth.passkeyFailed(user, client);
    }
    if ((passkey.counter > 0 || newCounter > 0) && newCounter <= passkey.counter) {
      await this.events.publish('auth.passkey_counter_anomaly', {
        user_id: user.id,
        passkey_id: passkey.id,
        stored_counter: passkey.counter,
        presented_counter: newCounter,
        policy: this.config.counterPolicy,
      });
      if (this.config.counterPolicy === 'refuse') {
        await this.events.publish('auth.passkey_login_failed', {
          user_id: user.id,
          passkey_id: passkey.id,
          reason: 'counter_anomaly',
        });
        return this.auth.passkeyFailed(user, client);
      }
    }
    const tokens = await this.auth.loginWithPasskey(user, client);
    await this.passkeys.update(
      { id: passkey.id },
      { counter: Math.max(newCounter, passkey.counter), lastUsedAt: this.clock.now() },
    );
    await this.events.publish('auth.passkey_login_succeeded', { user_id: user.id, passkey_id: passkey.id });
    return tokens;
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

  private async remember(challenge: string, ceremony: 'registration' | 'authentication', userId: string | null): Promise<void> {
    const expiresAt = new Date(this.clock.now().getTime() + this.config.challengeTtl * 1000);
    await this.challenges.insert({ challenge, ceremony, userId, expiresAt });
  }

  /**
   * Spends a challenge: one conditional DELETE, so of parallel answers to one challenge exactly
   * one goes on. It must be of this ceremony, of this account (null: a sign-in), and unexpired.
   */
  private async spend(
    challenge: string | null,
    ceremony: 'registration' | 'authentication',
    userId: string | null,
  ): Promise<string> {
    if (challenge === null) throw PasskeyError.invalidChallenge();
    const rows = await this.dataSource.query<{ challenge: string }[][]>(
      `DELETE FROM webauthn_challenges
       WHERE challenge = $1 AND ceremony = $2 AND user_id IS NOT DISTINCT FROM $3 AND expires_at > $4
       RETURNING challenge`,
      [challenge, ceremony, userId, this.clock.now()],
    );
    if (rows[0].length === 0) throw PasskeyError.invalidChallenge();
    return challenge;
  }
}
