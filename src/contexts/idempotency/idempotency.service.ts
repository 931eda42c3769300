import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { runInOwnTransaction } from '../../platform/database/transaction-context';
import { isUniqueViolation } from '../../platform/database/sql-errors';
import { JobRunner } from '../../platform/jobs';
import { decideIdempotency, type IdempotencyDecision, type StoredAttempt } from './domain/decision';
import { IdempotencyError } from './domain/idempotency.errors';
import { idempotencyConfig, type IdempotencyConfig } from './idempotency.config';
import { type ClaimedRow, claimStatements, completionStatements, readClaim } from './infra/atomic-statements';
import { IdempotencyKeyEntity } from './infra/idempotency-key.entity';

/** A request under an idempotency key: its scope (already hashed), the key and its fingerprint. */
export interface IdempotentRequest {
  scopeHash: string;
  key: string;
  fingerprint: string;
}

/** A response as it is stored and replayed. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** The serialised body, or null for none. */
  body: string | null;
}

/** The right to run the handler for a key, until the attempt completes or is released. */
export interface IdempotencyClaim {
  id: string;
  lockToken: string;
}

export type BeginResult =
  { kind: 'proceed'; claim: IdempotencyClaim; takeOver?: 'expired' | 'abandoned' } | { kind: 'replay'; response: StoredResponse };

/**
 * What a handler run in the atomic mode came to: its value or error, and the response to store
 * for the key (null: none — a success that cannot be stored keeps its work and leaves the key
 * free; an error that is not final rolls everything back).
 */
export type HandlerOutcome<T> =
  { ok: true; value: T; response: StoredResponse | null } | { ok: false; error: unknown; response: StoredResponse | null };

export type AtomicResult<T> = { kind: 'replay'; response: StoredResponse } | { kind: 'ran'; outcome: HandlerOutcome<T> };

const HOUR_MS = 3_600_000;

/**
 * One round trip for every outcome: insert the in-progress row unless (scope_hash, key)
 * exists, and otherwise return the existing row. The unique index decides between
 * concurrent inserts; the fallback SELECT reads the statement's snapshot, so a row
 * committed by a concurrent request in between can be invisible (no row comes back) and
 * the caller simply asks again.
 */
const CLAIM_SQL = `
  WITH claimed AS (
    INSERT INTO idempotency_keys (scope_hash, key, fingerprint, status, lock_token, locked_at, expires_at)
    VALUES ($1, $2, $3, 'in_progress', $4, $5, $6)
    ON CONFLICT (scope_hash, key) DO NOTHING
    RETURNING id
  )
  SELECT id, true AS claimed, NULL AS fingerprint, NULL AS status, NULL AS lock_token, NULL AS locked_at,
         NULL AS expires_at, NULL AS response_status, NULL AS response_headers, NULL AS response_body
    FROM claimed
  UNION ALL
  SELECT id, false, fingerprint, status, lock_token, locked_at, expires_at, response_status, response_headers, response_body
    FROM idempotency_keys
   WHERE scope_hash = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`;

interface ClaimRow extends ClaimedRow {
  claimed: boolean;
}

function toEntity(
  row: ClaimedRow,
): Pick<
  IdempotencyKeyEntity,
  'id' | 'fingerprint' | 'status' | 'lockToken' | 'lockedAt' | 'expiresAt' | 'responseStatus' | 'responseHeaders' | 'responseBody'
> {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    status: row.status,
    lockToken: row.lock_token,
    lockedAt: row.locked_at,
    expiresAt: row.expires_at,
    responseStatus: row.response_status,
    responseHeaders: row.response_headers,
    responseBody: row.response_body,
  };
}
function storedResponse(
  stored: Pick<IdempotencyKeyEntity, 'responseStatus' | 'responseHeaders' | 'responseBody'>,
): StoredResponse {
  return { status: stored.responseStatus ?? 200, headers: stored.responseHeaders ?? {}, body: stored.responseBody };
}

/** Claiming loops only when another request changes the row between our reads; a few rounds settle it. */
const MAX_CLAIM_ROUNDS = 3;

/**
 * Idempotency keys in PostgreSQL, so every instance sees the same ones. The unique index on
 * (scope_hash, key) decides which of several concurrent first requests runs; the row's
 * `lock_token` makes every later write conditional on still owning the attempt.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger('Idempotency');

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(IdempotencyKeyEntity) private readonly rows: Repository<IdempotencyKeyEntity>,
    private readonly jobs: JobRunner,
    @Inject(idempotencyConfig.KEY) private readonly config: IdempotencyConfig,
  ) {}

  /**
   * Claims the key for this request, or answers from what is stored: a replay, or
   * `IdempotencyError` (422 key reused with another request, 409 still in progress).
   */
  async begin(request: IdempotentRequest, now: Date = new Date()): Promise<BeginResult> {
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      const lockToken = randomUUID();
      const [row] = await this.dataSource.query<ClaimRow[]>(CLAIM_SQL, [
        request.scopeHash,
        request.key,
        request.fingerprint,
        lockToken,
        now,
        new Date(now.getTime() + this.config.ttlMs),
      ]);
      // Neither claimed nor visible: the row that blocked the insert was committed after this
      // statement's snapshot, or deleted since. Look again.
      if (!row) continue;
      if (row.claimed) return { kind: 'proceed', claim: { id: row.id, lockToken } };
      const stored = toEntity(row);
      const decision = this.decide(stored, request, now);
      switch (decision.kind) {
        case 'replay':
          return { kind: 'replay', response: storedResponse(stored) };
        case 'take_over': {
          const claim = await this.takeOver(stored, request, now, decision.reason);
          if (!claim) continue; // another request took it first: decide again on its row
          // Reusing an expired key is routine; taking over an abandoned attempt means a request died mid-way.
          if (decision.reason === 'abandoned') {
            this.logger.warn(
              { idempotency_row_id: stored.id, locked_at: stored.lockedAt.toISOString() },
              'Idempotency key taken over from an abandoned attempt',
            );
          }
          return { kind: 'proceed', claim, takeOver: decision.reason };
        }
        case 'new':
          continue;
      }
    }
    throw IdempotencyError.inProgress();
  }

  /** The decision on the key's row; 422 (another request's key) and 409 (still running) are thrown. */
  private decide(
    stored: StoredAttempt | null,
    request: IdempotentRequest,
    now: Date,
  ): Exclude<IdempotencyDecision, { kind: 'mismatch' | 'in_progress' }> {
    const decision = decideIdempotency({
      stored,
      fingerprint: request.fingerprint,
      now,
      lockTimeoutMs: this.config.lockTimeoutMs,
    });
    if (decision.kind === 'mismatch') throw IdempotencyError.keyReused();
    if (decision.kind === 'in_progress') throw IdempotencyError.inProgress();
    return decision;
  }

  /**
   * The atomic mode (`@Idempotent({ atomic: true })`, docs/idempotency.md): `run` runs in a
   * transaction of its own, which every `runInTransaction` of the handler joins. The key's claim
   * (its advisory lock, taken without waiting, and its row) goes out with START TRANSACTION, the
   * stored response with COMMIT: the handler's work and the key's outcome commit together or not
   * at all, at no round trip of their own. A stored response is replayed, another request's
   * key answers 422, a key held by a running request 409 (all rolled back before anything ran).
   * An error outcome to store rolls the work back to a savepoint and stores the response. If
   * another request completed the key meanwhile, the unique index refuses the insert, the
   * attempt rolls back and the key is decided again.
   *
   * So a later round may run the handler a second time: only after its first run rolled back
   * whole (nothing of it committed, none of its after-commit hooks ran), and only if the
   * winner's row is gone again by then (expired, or its own transaction rolled back) — which is
   * what a client's retry with the same key would have done anyway.
   */
  async runAtomically<T>(
    request: IdempotentRequest,
    run: () => Promise<HandlerOutcome<T>>,
    now: Date = new Date(),
  ): Promise<AtomicResult<T>> {
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      const result = await this.attempt(request, run, now).catch((error: unknown) => {
        // Another request stored an outcome between our read and our insert: decide again on it.
        if (isUniqueViolation(error, 'ux_idempotency_keys_scope_key')) return 'changed' as const;
        throw error;
      });
      if (result !== 'changed') return result;
    }
    throw IdempotencyError.inProgress();
  }

  private attempt<T>(request: IdempotentRequest, run: () => Promise<HandlerOutcome<T>>, now: Date): Promise<AtomicResult<T>> {
    return runInOwnTransaction(this.dataSource, claimStatements(request), async (opened, ending) => {
      const claim = readClaim(opened);
      const stored = claim.row ? toEntity(claim.row) : null;
      const decision = this.decide(stored, request, now);
      if (decision.kind === 'replay') return { kind: 'replay', response: storedResponse(stored!) };
      if (!claim.locked) throw IdempotencyError.inProgress();
      if (decision.kind === 'take_over' && decision.reason === 'abandoned') {
        this.logger.warn({ idempotency_row_id: stored?.id }, 'Idempotency key taken over from an abandoned attempt');
      }
      const outcome = await run();
      if (outcome.response) {
        const statements = completionStatements({
          ...request,
          ...outcome.response,
          now,
          expiresAt: new Date(now.getTime() + this.config.ttlMs),
          replacing: stored?.id ?? null,
          discardWork: !outcome.ok,
        });
        // A stored error keeps none of the handler's work, so none of its after-commit hooks run.
        ending.commitWith(statements, { runAfterCommitHooks: outcome.ok });
      } else if (outcome.ok) {
        ending.commitWith('');
      }
      return { kind: 'ran', outcome };
    });
  }

  /**
   * Stores the final response of the attempt. False when the attempt no longer owns the
   * key (it ran past the lock timeout and another request took it over).
   */
  async complete(claim: IdempotencyClaim, response: StoredResponse, now: Date = new Date()): Promise<boolean> {
    const result = await this.rows.update(
      { id: claim.id, lockToken: claim.lockToken, status: 'in_progress' },
      {
        status: 'completed',
        responseStatus: response.status,
        responseHeaders: response.headers,
        responseBody: response.body,
        completedAt: now,
      },
    );
    return result.affected === 1;
  }

  /** Gives the key up (the attempt failed in a way worth retrying): the next request with it runs afresh. */
  async release(claim: IdempotencyClaim): Promise<boolean> {
    const result = await this.rows.delete({ id: claim.id, lockToken: claim.lockToken, status: 'in_progress' });
    return result.affected === 1;
  }

  /** Hourly, once across instances: deletes expired keys. */
  @Cron(CronExpression.EVERY_HOUR, { name: 'cleanup_idempotency_keys' })
  async cleanupScheduled(): Promise<void> {
    await this.jobs.runOnce('cleanup_idempotency_keys', HOUR_MS, async (m) => {
      const deleted = await this.deleteExpired(m);
      if (deleted > 0) this.logger.log({ deleted }, `Deleted ${deleted} expired idempotency keys`);
    });
  }

  /** Deletes every key whose expiry is at or before `now`; returns how many. */
  async deleteExpired(m: EntityManager = this.dataSource.manager, now: Date = new Date()): Promise<number> {
    const result = await m
      .createQueryBuilder()
      .delete()
      .from(IdempotencyKeyEntity)
      .where('expires_at <= :now', { now })
      .execute();
    return result.affected ?? 0;
  }

  /** Claims a dead row (expired, or abandoned in progress) if nobody changed it since it was read. */
  private async takeOver(
    stored: Pick<IdempotencyKeyEntity, 'id' | 'lockToken'>,
    request: IdempotentRequest,
    now: Date,
    reason: 'expired' | 'abandoned',
  ): Promise<IdempotencyClaim | null> {
    const lockToken = randomUUID();
    const result = await this.rows.update(
      { id: stored.id, lockToken: stored.lockToken },
      {
        fingerprint: request.fingerprint,
        status: 'in_progress',
        lockToken,
        lockedAt: now,
        // An expired key starts a new life; an abandoned attempt's key keeps its original one.
        ...(reason === 'expired' ? { createdAt: now } : {}),
        expiresAt: new Date(now.getTime() + this.config.ttlMs),
        responseStatus: null,
        responseHeaders: null,
        responseBody: null,
        completedAt: null,
      },
    );
    return result.affected === 1 ? { id: stored.id, lockToken } : null;
  }
}
