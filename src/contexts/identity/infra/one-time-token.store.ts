import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { newOneTimeToken, TokenHasher, type TokenPurpose } from '../domain/one-time-token';
import { identityConfig, type IdentityConfig } from '../identity.config';

/** What a spent token stood for. */
export interface ConsumedToken {
  userId: string;
  newEmail: string | null;
}

/**
 * The one-time tokens' SQL. Issuing voids the user's older tokens of that purpose in the same
 * statement; consuming is one conditional UPDATE, so a token works once even when two
 * requests present it at the same moment (the second finds `used_at` set).
 */
@Injectable()
export class OneTimeTokenStore {
  private readonly hasher: TokenHasher;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(identityConfig.KEY) config: IdentityConfig,
  ) {
    this.hasher = new TokenHasher(config.mfa.encryptionKeys);
  }

  /** A new token for `purpose`, valid for `ttlSeconds`; the user's earlier ones of that purpose stop working. */
  async issue(
    input: { userId: string; purpose: TokenPurpose; ttlSeconds: number; now: Date; newEmail?: string | null },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ token: string; expiresAt: Date }> {
    const token = newOneTimeToken();
    const expiresAt = new Date(input.now.getTime() + input.ttlSeconds * 1000);
    await manager.query(
      `WITH voided AS (
         UPDATE one_time_tokens SET used_at = $4
          WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL
       )
       INSERT INTO one_time_tokens (user_id, purpose, token_hash, new_email, created_at, expires_at)
       VALUES ($1, $2, $3, $6, $4, $5)`,
      [input.userId, input.purpose, this.hasher.current(token), input.now, expiresAt, input.newEmail ?? null],
    );
    return { token, expiresAt };
  }

  /** Spends a live token of `purpose`: what it stood for, or `undefined` (unknown, spent, voided, expired). */
  async consume(
    purpose: TokenPurpose,
    token: string,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ConsumedToken | undefined> {
    const [rows] = await manager.query<[{ user_id: string; new_email: string | null }[], number]>(
      `UPDATE one_time_tokens SET used_at = $3
        WHERE token_hash = ANY($1) AND purpose = $2 AND used_at IS NULL AND expires_at > $3
        RETURNING user_id, new_email`,
      [this.hasher.candidates(token), purpose, now],
    );
    return rows[0] ? { userId: rows[0].user_id, newEmail: rows[0].new_email } : undefined;
  }

  /** Who holds a live token of `purpose`, without spending it (to check a request before acting on it). */
  async peek(purpose: TokenPurpose, token: string, now: Date): Promise<ConsumedToken | undefined> {
    const rows = await this.dataSource.query<{ user_id: string; new_email: string | null }[]>(
      `SELECT user_id, new_email FROM one_time_tokens
        WHERE token_hash = ANY($1) AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
      [this.hasher.candidates(token), purpose, now],
    );
    return rows[0] ? { userId: rows[0].user_id, newEmail: rows[0].new_email } : undefined;
  }

  /** Voids the user's live tokens of these purposes (e.g. a password change voids reset links). */
  async voidAll(
    userId: string,
    purposes: TokenPurpose[],
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(`UPDATE one_time_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = ANY($2) AND used_at IS NULL`, [
      userId,
      purposes,
      now,
    ]);
  }

  /** Deletes tokens that expired or were spent before `before`; returns how many. */
  async deleteStale(before: Date, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [, count] = await manager.query<[unknown[], number]>(
      `DELETE FROM one_time_tokens WHERE expires_at < $1 OR used_at < $1`,
      [before],
    );
    return count;
  }
}
