import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { preparedQuery } from '../../../platform/database/prepared';
import { runInTransaction } from '../../../platform/database/transaction-context';
import { identityConfig, type IdentityConfig } from '../identity.config';
import {
  afterCooldown,
  type FailureOutcome,
  FRESH_LOCKOUT_STATE,
  gate,
  type LockoutPolicy,
  type LockoutState,
  type LoginGate,
  registerFailure,
  registerSuccess,
  type SuccessOutcome,
} from '../domain/lockout';
import { LoginLockoutEntity } from './login-lockout.entity';

/** Lockout rows are keyed by this, never by the plain address. */
export function lockoutSubject(normalizedEmail: string): string {
  return createHash('sha256').update(`login:${normalizedEmail}`, 'utf8').digest('hex');
}

/** What a login reads of its subject's lockout row. */
export type LockoutRow = Pick<LoginLockoutEntity, 'userId' | 'failedCount' | 'lockoutLevel' | 'lockedUntil' | 'lastFailedAt'>;

/** The select list of a `LockoutRow` from `login_lockouts` aliased `alias`, each column named `prefix` + its property. */
export function lockoutColumns(alias: string, prefix = ''): string {
  return [
    ['user_id', 'userId'],
    ['failed_count', 'failedCount'],
    ['lockout_level', 'lockoutLevel'],
    ['locked_until', 'lockedUntil'],
    ['last_failed_at', 'lastFailedAt'],
  ]
    .map(([column, property]) => `${alias}."${column}" AS "${prefix}${property}"`)
    .join(', ');
}

/** A passkey login reads it (prepared: parsed and planned once per connection); a password login reads it with the user. */
const READ_LOCKOUT_SQL = `SELECT ${lockoutColumns('l')} FROM "login_lockouts" l WHERE l."subject_hash" = $1`;

/** Whether a login may be attempted, what a cleared lock says, and whether its subject had a row. */
export type LockoutCheck = LoginGate & {
  unlocked: boolean;
  userId: string | null;
  /** The subject had a row (a streak or a lock). */
  streak: boolean;
};

function stateOf(row: LockoutRow | null): LockoutState {
  if (!row) return FRESH_LOCKOUT_STATE;
  return {
    failedCount: row.failedCount,
    lockoutLevel: row.lockoutLevel,
    lockedUntil: row.lockedUntil,
    lastFailedAt: row.lastFailedAt,
  };
}

/**
 * Applies the lockout rules (domain/lockout.ts) to PostgreSQL rows. Every change takes the
 * row lock, so failures arriving at the same moment on any number of instances are counted
 * one after the other and exactly one of them locks the account.
 */
@Injectable()
export class LoginLockoutStore {
  readonly policy: LockoutPolicy;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(identityConfig.KEY) config: IdentityConfig,
  ) {
    const login = config.login;
    this.policy = {
      threshold: login.lockoutThreshold,
      cooldownMs: login.lockoutCooldown * 1000,
      maxCooldownMs: login.lockoutMaxCooldown * 1000,
      resetAfterMs: login.lockoutResetAfter * 1000,
    };
  }

  /**
   * Whether a login may be attempted. A lock whose cooldown has passed is cleared here;
   * `unlocked` is true for the one caller (across instances) that cleared it.
   */
  async check(email: string, now: Date): Promise<LockoutCheck> {
    const [found] = await preparedQuery<LockoutRow>(this.dataSource.manager, 'read_login_lockout', READ_LOCKOUT_SQL, [
      lockoutSubject(email),
    ]);
    return this.gateOf(email, found ?? null, now);
  }

  /** `check` on a row the caller has read (`readLoginSubject` reads it with the user: one round trip). */
  async gateOf(email: string, row: LockoutRow | null, now: Date): Promise<LockoutCheck> {
    const subject = lockoutSubject(email);
    const g = gate(stateOf(row), now);
    if (!row || !g.allowed || !g.expiredLock) return { ...g, unlocked: false, userId: row?.userId ?? null, streak: row !== null };
    const cleared = afterCooldown(stateOf(row));
    const result = await this.dataSource
      .createQueryBuilder()
      .update(LoginLockoutEntity)
      .set({ failedCount: cleared.failedCount, lockedUntil: null })
      .where('subject_hash = :subject AND locked_until = :lockedUntil', { subject, lockedUntil: row.lockedUntil })
      .execute();
    return { ...g, unlocked: (result.affected ?? 0) > 0, userId: row.userId, streak: true };
  }

  /**
   * Counts a failure. When it locks the account, `onLocked` runs inside the same transaction
   * (the caller publishes `auth.account_locked` there, so its audit record commits with the lock).
   */
  async recordFailure(
    email: string,
    userId: string | null,
    now: Date,
    onLocked?: (outcome: FailureOutcome) => Promise<void>,
  ): Promise<FailureOutcome> {
    return this.locked(email, async (m, subject, row) => {
      const outcome = registerFailure(stateOf(row), now, this.policy);
      await m.getRepository(LoginLockoutEntity).upsert({ subjectHash: subject, userId, ...outcome.state }, ['subjectHash']);
      if (outcome.locked && onLocked) await onLocked(outcome);
      return outcome;
    });
  }

  /**
   * A correct password: ends the streak (deletes the row), unless the account is locked.
   *
   * Most logins have no row: one plain read settles those — or none, when the caller passes
   * `streak` from the `check` that opened the attempt (a login reads the row once, not twice).
   * A row created by a concurrent failure after that read is simply ordered after this success
   * (which changed nothing), exactly as if the failure had waited for this success's row lock.
   */
  async recordSuccess(email: string, now: Date, streak?: boolean): Promise<SuccessOutcome> {
    const existing =
      streak ?? (await this.dataSource.getRepository(LoginLockoutEntity).existsBy({ subjectHash: lockoutSubject(email) }));
    if (!existing) return registerSuccess(FRESH_LOCKOUT_STATE, now);
    return this.locked(email, async (m, subject, row) => {
      const outcome = registerSuccess(stateOf(row), now);
      if (!outcome.refused && row) await m.delete(LoginLockoutEntity, { subjectHash: subject });
      return outcome;
    });
  }

  /** Admin unlock: forgets the streak and the level. Returns whether the account was locked. */
  async clear(email: string, now: Date): Promise<boolean> {
    return this.locked(email, async (m, subject, row) => {
      if (!row) return false;
      await m.delete(LoginLockoutEntity, { subjectHash: subject });
      return row.lockedUntil !== null && row.lockedUntil.getTime() > now.getTime();
    });
  }

  /** Rows whose streak is over (no lock in force, quiet for `resetAfter`) carry no information. */
  async deleteStale(m: EntityManager, now: Date): Promise<number> {
    const quietSince = new Date(now.getTime() - this.policy.resetAfterMs);
    const result = await m
      .createQueryBuilder()
      .delete()
      .from(LoginLockoutEntity)
      .where('(locked_until IS NULL OR locked_until <= :now) AND (last_failed_at IS NULL OR last_failed_at < :quietSince)', {
        now,
        quietSince,
      })
      .execute();
    return result.affected ?? 0;
  }

  /** Runs `fn` in a transaction holding the lock of the subject's row (created if missing). */
  private locked<T>(
    email: string,
    fn: (m: EntityManager, subject: string, row: LoginLockoutEntity | null) => Promise<T>,
  ): Promise<T> {
    const subject = lockoutSubject(email);
    const lockRow = (m: EntityManager): Promise<LoginLockoutEntity | null> =>
      m
        .getRepository(LoginLockoutEntity)
        .createQueryBuilder('l')
        .setLock('pessimistic_write')
        .where('l.subject_hash = :subject', { subject })
        .getOne();
    return runInTransaction(this.dataSource, async (m) => {
      const row = await lockRow(m);
      if (row) return fn(m, subject, row);
      // No row yet: first failures of one subject queue on a transaction-scoped advisory
      // lock, then read again (taking the row lock if another one created the row meanwhile).
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [subject]);
      return fn(m, subject, await lockRow(m));
    });
  }
}
