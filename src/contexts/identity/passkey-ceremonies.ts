import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { DataSource, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { EventBus } from '../../platform/events';
import { PasskeyError } from './domain/passkey.errors';
import { type Ceremony, PasskeyEntity, WebAuthnChallengeEntity } from './infra/passkey.entity';
import { webAuthnConfig, type WebAuthnConfig } from './webauthn.config';

/** A ceremony that answers with an assertion (a signature by an existing passkey). */
export type AssertionCeremony = 'authentication' | 'second_factor' | 'reauthentication';

/** What an assertion came to: the passkey that signed, or why it was refused. */
export type AssertionRefusal =
  | { kind: 'refused'; reason: 'invalid_challenge' | 'unknown_credential'; passkey: null }
  | { kind: 'refused'; reason: 'invalid_assertion' | 'counter_anomaly'; passkey: PasskeyEntity };
export type AssertionOutcome = { kind: 'verified'; passkey: PasskeyEntity } | AssertionRefusal;

const STAGE: Record<AssertionCeremony, 'sign_in' | 'second_factor' | 'reauthentication'> = {
  authentication: 'sign_in',
  second_factor: 'second_factor',
  reauthentication: 'reauthentication',
};

/** The challenge an answer was made for, as the browser put it in clientDataJSON (null when unreadable). */
export function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string | null {
  const encoded = response.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 8192) return null;
  try {
    const parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' && parsed.challenge.length <= 64 ? parsed.challenge : null;
  } catch {
    return null;
  }
}

const digest = (token: string): string => createHash('sha256').update(token).digest('base64url');

/**
 * The WebAuthn ceremonies' shared parts: challenges (in PostgreSQL, single use, bound to their
 * ceremony and account, so any instance can finish a ceremony another started), the password
 * step's `mfa_token`, and verifying an assertion — signature, origin, RP ID, user verification
 * and the signature counter (policy `refuse` or `warn`) — for signing in, for a second factor
 * and for re-authentication alike. Every refusal and success is published (audited).
 */
@Injectable()
export class PasskeyCeremonies {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(PasskeyEntity) private readonly passkeys: Repository<PasskeyEntity>,
    @InjectRepository(WebAuthnChallengeEntity) private readonly challenges: Repository<WebAuthnChallengeEntity>,
    private readonly events: EventBus,
    private readonly clock: Clock,
    @Inject(webAuthnConfig.KEY) private readonly config: WebAuthnConfig,
  ) {}

  /** Whether the account has at least one passkey. */
  hasPasskeys(userId: string): Promise<boolean> {
    return this.passkeys.existsBy({ userId });
  }

  /**
   * Request options for an assertion. With `userId`, the account's passkeys are the allowed
   * credentials and the challenge is bound to it; without, a discoverable sign-in (empty
   * `allowCredentials`: the answer tells nothing about any account).
   */
  async requestOptions(ceremony: AssertionCeremony, userId: string | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allowed = userId ? await this.passkeys.find({ where: { userId }, order: { createdAt: 'ASC' } }) : [];
    if (userId && allowed.length === 0) throw PasskeyError.none();
    const options = await generateAuthenticationOptions({
      rpID: this.config.rpId,
      userVerification: 'required',
      allowCredentials: allowed.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransport[] })),
      timeout: this.config.challengeTtl * 1000,
    });
    await this.remember(options.challenge, ceremony, userId);
    return options;
  }

  /**
   * Verifies an assertion for `ceremony` (of `userId`'s passkeys, or any for a discoverable
   * sign-in), updates the passkey's counter and last use, and publishes the outcome. The stored
   * counter never goes back, whatever order parallel assertions finish in.
   */
  async verify(
    ceremony: AssertionCeremony,
    response: AuthenticationResponseJSON,
    userId: string | null,
  ): Promise<AssertionOutcome> {
    const stage = STAGE[ceremony];
    const refuse = async (outcome: AssertionRefusal): Promise<AssertionRefusal> => {
      await this.events.publish('auth.passkey_login_failed', {
        user_id: outcome.passkey?.userId ?? userId,
        passkey_id: outcome.passkey?.id ?? null,
        reason: outcome.reason,
        stage,
      });
      return outcome;
    };
    const challenge = challengeOf(response);
    if (challenge === null || !(await this.trySpend(challenge, ceremony, userId))) {
      return refuse({ kind: 'refused', reason: 'invalid_challenge', passkey: null });
    }
    const passkey =
      typeof response.id === 'string' && response.id.length <= 1366
        ? await this.passkeys.findOneBy({ credentialId: response.id })
        : null;
    // Another account's passkey, for a ceremony bound to an account, is as unknown as no passkey.
    if (!passkey || (userId !== null && passkey.userId !== userId)) {
      return refuse({ kind: 'refused', reason: 'unknown_credential', passkey: null });
    }
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
      return refuse({ kind: 'refused', reason: 'invalid_assertion', passkey });
    }
    // The counter is compared and stored in one statement: of parallel assertions presenting one
    // counter value, one moves it forward and the others find it moved (and are anomalies).
    if (!(await this.advanceCounter(passkey.id, newCounter))) {
      const stored = await this.storedCounter(passkey.id);
      // Removed while its assertion was checked: as unknown as a passkey never registered.
      if (stored === null) return refuse({ kind: 'refused', reason: 'unknown_credential', passkey: null });
      await this.events.publish('auth.passkey_counter_anomaly', {
        user_id: passkey.userId,
        passkey_id: passkey.id,
        stored_counter: stored,
        presented_counter: newCounter,
        policy: this.config.counterPolicy,
      });
      if (this.config.counterPolicy === 'refuse') return refuse({ kind: 'refused', reason: 'counter_anomaly', passkey });
      await this.touch(passkey.id, newCounter);
    }
    await this.events.publish('auth.passkey_login_succeeded', { user_id: passkey.userId, passkey_id: passkey.id, stage });
    return { kind: 'verified', passkey };
  }

  /**
   * Stores `counter` and the last use if it moves the passkey's counter forward (or both are 0:
   * an authenticator that keeps no counter), in one conditional UPDATE; false when it does not
   * (a replayed or cloned authenticator's counter, or a parallel assertion that got there first).
   */
  private async advanceCounter(id: string, counter: number): Promise<boolean> {
    const rows = await this.dataSource.query<{ id: string }[][]>(
      `UPDATE passkeys SET counter = $2, last_used_at = $3
       WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0))
       RETURNING id`,
      [id, counter, this.clock.now()],
    );
    return rows[0].length > 0;
  }

  /** The last use of a passkey whose counter anomaly the policy lets pass (`warn`): the counter never goes back. */
  private async touch(id: string, counter: number): Promise<void> {
    await this.dataSource.query('UPDATE passkeys SET counter = GREATEST(counter, $2), last_used_at = $3 WHERE id = $1', [
      id,
      counter,
      this.clock.now(),
    ]);
  }

  /** The counter as stored now (for the anomaly's record), or null when the passkey is gone. */
  private async storedCounter(id: string): Promise<number | null> {
    return (await this.passkeys.findOne({ select: { id: true, counter: true }, where: { id } }))?.counter ?? null;
  }

  /** The password step's ticket for a second-factor passkey challenge: random, single use, WEBAUTHN_CHALLENGE_TTL. */
  async issueMfaToken(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.remember(digest(token), 'mfa_token', userId);
    return token;
  }

  /** Spends an `mfa_token`: the account it was issued to, or null (unknown, used or expired). */
  async redeemMfaToken(token: string): Promise<string | null> {
    if (token.length > 64) return null;
    const rows = await this.dataSource.query<{ user_id: string }[][]>(
      `DELETE FROM webauthn_challenges WHERE challenge = $1 AND ceremony = 'mfa_token' AND expires_at > $2
       RETURNING user_id`,
      [digest(token), this.clock.now()],
    );
    return rows[0][0]?.user_id ?? null;
  }

  async remember(challenge: string, ceremony: Ceremony, userId: string | null): Promise<void> {
    const expiresAt = new Date(this.clock.now().getTime() + this.config.challengeTtl * 1000);
    await this.challenges.insert({ challenge, ceremony, userId, expiresAt });
  }

  /** Spends a challenge (see `trySpend`). @throws PasskeyError 400 passkey_challenge_invalid */
  async spend(challenge: string | null, ceremony: Ceremony, userId: string | null): Promise<string> {
    if (challenge === null || !(await this.trySpend(challenge, ceremony, userId))) throw PasskeyError.invalidChallenge();
    return challenge;
  }

  /**
   * Spends a challenge: one conditional DELETE, so of parallel answers to one challenge exactly
   * one goes on. It must be of this ceremony, of this account (null: a discoverable sign-in), and unexpired.
   */
  private async trySpend(challenge: string | null, ceremony: Ceremony, userId: string | null): Promise<boolean> {
    if (challenge === null) return false;
    const rows = await this.dataSource.query<{ challenge: string }[][]>(
      `DELETE FROM webauthn_challenges
       WHERE challenge = $1 AND ceremony = $2 AND user_id IS NOT DISTINCT FROM $3 AND expires_at > $4
       RETURNING challenge`,
      [challenge, ceremony, userId, this.clock.now()],
    );
    return rows[0].length > 0;
  }
}
