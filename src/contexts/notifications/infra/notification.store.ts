import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AttemptStatus, NotificationStatus } from '../domain/delivery';
import type { Channel } from '../domain/recipient';

export interface NewNotification {
  channel: Channel;
  recipient: string;
  template: string;
  data: Record<string, unknown>;
  userId: string | null;
  dedupeKey: string | null;
  maxAttempts: number;
  now: Date;
}

/** A message this instance holds a lease on, ready to be sent. */
export interface ClaimedNotification {
  id: string;
  channel: Channel;
  recipient: string;
  template: string;
  data: Record<string, unknown>;
  userId: string | null;
  /** The number of the attempt this claim stands for (1-based). */
  attempt: number;
  maxAttempts: number;
  claimToken: string;
  /** Set when the row was taken over from an instance whose lease ran out. */
  abandonedBy: string | null;
}

export interface AttemptRecord {
  attempt: number;
  status: AttemptStatus;
  retryable: boolean | null;
  errorCode: string | null;
  error: string | null;
  providerMessageId: string | null;
  instanceId: string;
  startedAt: Date | null;
  durationMs: number | null;
}

/** The row's state after an attempt. */
export type Completion =
  | { status: 'sent'; providerMessageId: string | null; at: Date }
  | { status: 'pending'; nextAttemptAt: Date; error: string; at: Date }
  | { status: 'failed'; error: string; at: Date };

/**
 * Claims due rows for one channel under a lease, exclusively: `FOR UPDATE SKIP LOCKED`
 * lets concurrent claimers (other instances, the poller and a kick) pass over rows
 * another one is claiming, and in READ COMMITTED a row claimed and committed meanwhile is
 * re-checked against the WHERE clause (now `sending` with a live lease) and skipped.
 * A claim counts the attempt and issues a new `claim_token`; only its holder can complete it.
 */
const CLAIM_SQL = `
  WITH due AS (
    SELECT id, status AS previous_status, locked_by AS previous_holder
      FROM notifications
     WHERE channel = $1
       AND ((status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND locked_until <= $2))
     ORDER BY next_attempt_at, id
     LIMIT $3
       FOR UPDATE SKIP LOCKED
  )
  UPDATE notifications n
     SET status = 'sending',
         attempts = n.attempts + 1,
         locked_until = $4,
         claim_token = gen_random_uuid(),
         locked_by = $5,
         updated_at = $2
    FROM due
   WHERE n.id = due.id
  RETURNING n.id, n.channel, n.recipient, n.template, n.data, n.user_id, n.attempts, n.max_attempts, n.claim_token,
            due.previous_status, due.previous_holder`;

interface ClaimRow {
  id: string;
  channel: Channel;
  recipient: string;
  template: string;
  data: Record<string, unknown>;
  user_id: string | null;
  attempts: number;
  max_attempts: number;
  claim_token: string;
  previous_status: NotificationStatus;
  previous_holder: string | null;
}

const INSERT_ATTEMPT_SQL = `
  INSERT INTO notification_attempts
    (notification_id, attempt, status, retryable, error_code, error, provider_message_id, instance_id, started_at, duration_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

const clip = (text: string | null, max: number): string | null => (text === null ? null : text.slice(0, max));

/** SQL of the notifications tables: enqueue, claim, complete, release, clean up. */
@Injectable()
export class NotificationStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts a message, or, when its dedupe key is already taken, returns the existing one
   * (`created: false`). The unique index decides between concurrent inserts.
   */
  async enqueue(n: NewNotification): Promise<{ id: string; status: NotificationStatus; created: boolean }> {
    const inserted = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO notifications (channel, recipient, template, data, user_id, dedupe_key, max_attempts, next_attempt_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [n.channel, n.recipient, n.template, JSON.stringify(n.data), n.userId, n.dedupeKey, n.maxAttempts, n.now],
    );
    if (inserted.length > 0) return { id: inserted[0].id, status: 'pending', created: true };
    const [existing] = await this.dataSource.query<{ id: string; status: NotificationStatus }[]>(
      'SELECT id, status FROM notifications WHERE dedupe_key = $1',
      [n.dedupeKey],
    );
    return { id: existing.id, status: existing.status, created: false };
  }

  async claim(channel: Channel, now: Date, leaseMs: number, limit: number, instanceId: string): Promise<ClaimedNotification[]> {
    // An UPDATE answers [rows, affected count] through TypeORM's postgres driver.
    const [rows] = await this.dataSource.query<[ClaimRow[], number]>(CLAIM_SQL, [
      channel,
      now,
      limit,
      new Date(now.getTime() + leaseMs),
      instanceId,
    ]);
    return rows.map((r) => ({
      id: r.id,
      channel: r.channel,
      recipient: r.recipient,
      template: r.template,
      data: r.data,
      userId: r.user_id,
      attempt: r.attempts,
      maxAttempts: r.max_attempts,
      claimToken: r.claim_token,
      abandonedBy: r.previous_status === 'sending' ? (r.previous_holder ?? 'unknown') : null,
    }));
  }

  /**
   * Records the attempt its lease expired on. If that instance reports after all, its real
   * outcome replaces this row (see `complete`); if it already did, this one is dropped.
   */
  async recordAbandoned(notificationId: string, attempt: number, instanceId: string): Promise<void> {
    await this.dataSource.query(`${INSERT_ATTEMPT_SQL} ON CONFLICT (notification_id, attempt) DO NOTHING`, [
      notificationId,
      attempt,
      'abandoned',
      null,
      'lease_expired',
      'The instance holding the message stopped before reporting; its lease expired.',
      null,
      instanceId,
      null,
      null,
    ]);
  }

  /**
   * Records the attempt and moves the row to its next state in one transaction, so a message
   * is never `sent` without its attempt or the other way round. The row changes only while
   * this claim still holds it (`claim_token`); `owned: false` means the lease expired and
   * another instance took the message over. A final state (`sent`, `failed`) drops
   * `data.link`: a one-time link is kept only until its message is sent or given up.
   */
  async complete(
    claim: Pick<ClaimedNotification, 'id' | 'claimToken'>,
    attempt: AttemptRecord | null,
    next: Completion,
  ): Promise<{ owned: boolean }> {
    return this.dataSource.transaction(async (m: EntityManager) => {
      if (attempt) await this.insertAttempt(m, claim.id, attempt);
      const [rows] = await m.query<[unknown[], number]>(
        `UPDATE notifications
            SET status = $3::varchar,
                next_attempt_at = COALESCE($4::timestamptz, next_attempt_at),
                locked_until = NULL, claim_token = NULL, locked_by = NULL,
                last_error = $5::varchar,
                provider_message_id = COALESCE($6::varchar, provider_message_id),
                sent_at = CASE WHEN $3::varchar = 'sent' THEN $7::timestamptz ELSE sent_at END,
                failed_at = CASE WHEN $3::varchar = 'failed' THEN $7::timestamptz ELSE failed_at END,
                -- A one-time link (\`data.link\`) is needed only until the message's final outcome.
                data = CASE WHEN $3::varchar IN ('sent', 'failed') THEN data - 'link' ELSE data END,
                -- No attempt to record: the claim counted one that never ran.
                attempts = CASE WHEN $8::boolean THEN attempts ELSE attempts - 1 END,
                updated_at = $7::timestamptz
          WHERE id = $1 AND claim_token = $2
          RETURNING id`,
        [
          claim.id,
          claim.claimToken,
          next.status,
          next.status === 'pending' ? next.nextAttemptAt : null,
          next.status === 'sent' ? null : clip(next.error, 1000),
          next.status === 'sent' ? clip(next.providerMessageId, 255) : null,
          next.at,
          attempt !== null,
        ],
      );
      return { owned: rows.length > 0 };
    });
  }

  private async insertAttempt(m: EntityManager, notificationId: string, attempt: AttemptRecord): Promise<void> {
    await m.query(
      `${INSERT_ATTEMPT_SQL}
         ON CONFLICT (notification_id, attempt) DO UPDATE SET
           status = EXCLUDED.status, retryable = EXCLUDED.retryable, error_code = EXCLUDED.error_code, error = EXCLUDED.error,
           provider_message_id = EXCLUDED.provider_message_id, instance_id = EXCLUDED.instance_id,
           started_at = EXCLUDED.started_at, duration_ms = EXCLUDED.duration_ms`,
      [
        notificationId,
        attempt.attempt,
        attempt.status,
        attempt.retryable,
        clip(attempt.errorCode, 64),
        clip(attempt.error, 1000),
        clip(attempt.providerMessageId, 255),
        attempt.instanceId,
        attempt.startedAt,
        attempt.durationMs,
      ],
    );
  }

  /**
   * Gives a claimed message back without counting the attempt (the circuit breaker refused
   * the call before anything was sent); it is due again at `dueAt`.
   */
  async release(claim: Pick<ClaimedNotification, 'id' | 'claimToken'>, dueAt: Date, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE notifications
          SET status = 'pending', attempts = attempts - 1, next_attempt_at = $3,
              locked_until = NULL, claim_token = NULL, locked_by = NULL, updated_at = $4
        WHERE id = $1 AND claim_token = $2`,
      [claim.id, claim.claimToken, dueAt, now],
    );
  }

  /** Messages waiting for delivery (pending or being sent), per channel. */
  async queueDepth(): Promise<{ channel: Channel; count: number }[]> {
    const rows = await this.dataSource.query<{ channel: Channel; n: string }[]>(
      `SELECT channel, count(*) AS n FROM notifications WHERE status IN ('pending', 'sending') GROUP BY channel`,
    );
    return rows.map((r) => ({ channel: r.channel, count: Number(r.n) }));
  }

  /** Deletes finished (sent or failed) messages created before `cutoff`; their attempts go with them. */
  async deleteFinishedBefore(m: EntityManager, cutoff: Date): Promise<number> {
    const [, affected] = await m.query<[unknown[], number]>(
      `DELETE FROM notifications WHERE status IN ('sent', 'failed') AND created_at < $1`,
      [cutoff],
    );
    return affected;
  }
}
