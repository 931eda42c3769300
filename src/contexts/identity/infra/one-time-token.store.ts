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
 *
 * Lock order: a user's row before their tokens' rows. Every change of an account that also
 * touches its links (closing it, a password change or reset, an address change) updates the
 * user first, so consuming takes the user's row first too; the other order deadlocked a link
 * used while the account was being closed.
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

  /**
   * Spends a live token of `purpose`: what it stood for, or `undefined` (unknown, spent, voided,
   * expired). Inside a transaction, its user's row stays locked (`FOR NO KEY UPDATE`, taken
   * before the token's: see the class) until the caller commits what the token allows.
   */
  async consume(
    purpose: TokenPurpose,
    token: string,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ConsumedToken | undefined> {
    const hashes = this.hasher.candidates(token);
    // NO KEY UPDATE, the lock an UPDATE of the row takes: it queues behind a closing, a password
    // change or another link's use, and leaves alone what only references the user (a new session, a new link).
    const holders = await manager.query<{ id: string }[]>(
      `SELECT u.id FROM users u JOIN one_time_tokens t ON t.user_id = u.id
        WHERE t.token_hash = ANY($1) AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > $3
        FOR NO KEY UPDATE OF u`,
      [hashes, purpose, now],
    );
    if (holders.length === 0) return undefined;
    // Checked again: a closing or a parallel use of the link may have spent or voided it while this waited.
    const [rows] = await manager.query<[{ user_id: string; new_email: string | null }[], number]>(
      `UPDATE one_time_tokens SET used_at = $3
        WHERE token_hash = ANY($1) AND purpose = $2 AND used_at IS NULL AND expires_at > $3
        RETURNING user_id, new_email`,
      [hashes, purpose, now],
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

  /**
   * Voids the user's live tokens of these purposes (e.g. a password change voids reset and
   * address-change links). Inside a transaction, after the change to the user's row (see the class).
   */
  async voidAll(
    userId: string,
    purposes: readonly TokenPurpose[],
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
