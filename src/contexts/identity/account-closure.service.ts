import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { JobRunner } from '../../platform/jobs';
import { PersonalDataRegistry } from '../../platform/personal-data';
import { ApiKeysService } from './api-keys.service';
import { AuthError } from './domain/auth.errors';
import { erasedEmail, isCancellableBySignIn } from './domain/account-closure';
import { TOKEN_PURPOSES } from './domain/one-time-token';
import { identityConfig, type IdentityConfig } from './identity.config';
import { assertAdminsRemain } from './infra/admin-census';
import { lockoutSubject } from './infra/login-lockout.store';
import { OneTimeTokenStore } from './infra/one-time-token.store';
import { PasswordProof } from './password-proof';
import { UserEntity } from './infra/user.entity';
import { MfaService, type SecondFactor } from './mfa.service';
import { type ClientInfo, SessionsService } from './sessions.service';

const MINUTE_MS = 60_000;
/** Accounts erased per run of the job (each in its own transaction); the rest wait a minute. */
const ERASURE_BATCH = 50;

/**
 * Closing accounts and erasing them.
 *
 * Closing (by the owner, with the password and second factor, or by an admin) deactivates the
 * account and revokes every session, API key and one-time link at once; the account is erased
 * when ACCOUNT_DELETION_GRACE has passed. Until then, the owner signing in with the right
 * password reopens an account they closed themselves (an admin's closing stays).
 *
 * Erasing runs every context's personal-data holder (files, workspace items, notifications,
 * ...) and identity's own rows in one transaction, then replaces the account's email with a
 * pseudonym and drops its name and password: the row stays as the id the audit trail names,
 * so the hash chain is untouched and still verifies.
 */
@Injectable()
export class AccountClosureService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Identity');
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly proof: PasswordProof,
    private readonly mfa: MfaService,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly tokens: OneTimeTokenStore,
    private readonly holders: PersonalDataRegistry,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  /**
   * The owner closes their account: the current password, and a second factor when MFA is on.
   * @throws AuthError 400 current_password_wrong, 401 mfa_required, 400 invalid_mfa_code, 409 last_admin
   */
  async closeOwn(userId: string, password: string, factor: SecondFactor, client: ClientInfo): Promise<UserEntity> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user || user.deletionDueAt || user.erasedAt) throw AuthError.unauthenticated();
    await this.proof.checkCurrentPassword(user, password, client);
    // The refusals first (checked again when closing): a closing refused after the second factor
    // would have spent a recovery code, or the TOTP step, for nothing.
    await this.assertNoObjection(user);
    if (user.role === 'admin' && user.isActive) await assertAdminsRemain(this.dataSource.manager, [user.id]);
    await this.mfa.confirm(user.id, factor, this.clock.now(), client, 'delete_account');
    return this.close(user, user.id, client);
  }

  /**
   * An admin closes another user's account: deactivated and signed out at once, erased after
   * ACCOUNT_DELETION_GRACE (the owner signing in does not cancel an admin's closing).
   * @throws AuthError 404 user_not_found, 409 last_admin, 409 account_closed
   */
  async closeByAdmin(adminId: string, userId: string, client: ClientInfo): Promise<void> {
    if (adminId.toLowerCase() === userId.toLowerCase()) throw AuthError.cannotDeactivateSelf('id');
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.userNotFound();
    if (user.deletionDueAt || user.erasedAt) throw AuthError.accountClosed();
    await this.close(user, adminId, client);
  }

  /**
   * Called by login after the password and second factor: an account its owner closed, still
   * in its grace period, opens again. False when it is not (or no longer) cancellable.
   */
  async reopen(user: UserEntity, client: ClientInfo): Promise<boolean> {
    const now = this.clock.now();
    if (!isCancellableBySignIn(user, now)) return false;
    return runInTransaction(this.dataSource, async (m) => {
      const [reopened] = await m.query<[unknown[], number]>(
        `UPDATE users
            SET is_active = true, deletion_requested_at = NULL, deletion_due_at = NULL, deletion_requested_by = NULL
          WHERE id = $1 AND deletion_due_at > $2 AND erased_at IS NULL AND deletion_requested_by = id
          RETURNING id`,
        [user.id, now],
      );
      if (reopened.length === 0) return false;
      user.isActive = true;
      user.deletionRequestedAt = user.deletionDueAt = user.deletionRequestedBy = null;
      await this.events.publish('auth.account_deletion_cancelled', { user_id: user.id, ip: client.ip });
      return true;
    });
  }

  /** Every minute, once across instances: erases the accounts whose grace period is over. */
  @Cron(CronExpression.EVERY_MINUTE, { name: 'erase_closed_accounts' })
  async eraseScheduled(): Promise<void> {
    const now = this.clock.now();
    await this.jobs.runOnce('erase_closed_accounts', MINUTE_MS, () => this.eraseDue(now).then(() => undefined), now);
  }

  /** Erases up to a batch of accounts due at `now`; returns how many were erased. */
  async eraseDue(now: Date = this.clock.now()): Promise<number> {
    const due: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM users WHERE deletion_due_at <= $1 AND erased_at IS NULL ORDER BY deletion_due_at LIMIT $2`,
      [now, ERASURE_BATCH],
    );
    let erased = 0;
    for (const { id } of due) if (await this.erase(id, now)) erased += 1;
    return erased;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /** Another context's objection to closing the account (the last owner of an organisation with other members). */
  private async assertNoObjection(user: UserEntity): Promise<void> {
    const refusal = await this.holders.closureRefusal({ userId: user.id, email: user.email });
    if (refusal) throw refusal;
  }

  private async close(user: UserEntity, byUserId: string, client: ClientInfo): Promise<UserEntity> {
    const now = this.clock.now();
    const grace = this.config.accountDeletionGrace;
    const dueAt = new Date(now.getTime() + grace * 1000);
    await this.assertNoObjection(user);
    // Everything the closing ends, and its audit record, in one transaction: a failing step leaves
    // the account open with its sessions, keys and links. The account's row is changed before its
    // links are voided: the order in which a link's use locks them (OneTimeTokenStore), so the two
    // never deadlock.
    const closed = await runInTransaction(this.dataSource, async (m) => {
      if (user.role === 'admin' && user.isActive) await assertAdminsRemain(m, [user.id]);
      const [rows] = await m.query<[unknown[], number]>(
        `UPDATE users
            SET is_active = false, deletion_requested_at = $2, deletion_due_at = $3, deletion_requested_by = $4
          WHERE id = $1 AND deletion_due_at IS NULL AND erased_at IS NULL
          RETURNING id`,
        [user.id, now, dueAt, byUserId],
      );
      if (rows.length === 0) throw AuthError.accountClosed();
      const apiKeysRevoked = await this.apiKeys.revokeAllForUser(m, user.id, byUserId);
      await this.tokens.voidAll(user.id, [...TOKEN_PURPOSES], now, m);
      await this.sessions.revokeAllForUser(user.id, 'account_closed', undefined, byUserId);
      await this.events.publish('auth.account_deletion_requested', {
        user_id: user.id,
        email: user.email,
        due_at: dueAt.toISOString(),
        grace_seconds: grace,
        by_user_id: byUserId,
        ip: client.ip,
      });
      return apiKeysRevoked.length;
    });
    this.logger.log(
      { event: 'account_closed', user_id: user.id, by_user_id: byUserId, api_keys_revoked: closed },
      'Account closed',
    );
    if (grace === 0) this.later(() => this.erase(user.id, now).then(() => undefined));
    return Object.assign(user, {
      isActive: false,
      deletionRequestedAt: now,
      deletionDueAt: dueAt,
      deletionRequestedBy: byUserId,
    });
  }

  /**
   * Erases one account, if it is still due (a sign-in may have reopened it, another instance
   * may have erased it): every holder's data, then identity's own rows, then the pseudonym.
   */
  private async erase(userId: string, now: Date): Promise<boolean> {
    return runInTransaction(this.dataSource, async (m) => {
      const [user] = await m
        .getRepository(UserEntity)
        .createQueryBuilder('u')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where('u.id = :id AND u.deletion_due_at <= :now AND u.erased_at IS NULL', { id: userId, now })
        .getMany();
      if (!user) return false;
      const subject = { userId: user.id, email: user.email };
      const erased = await this.holders.erase(subject, m);
      erased.identity = await this.eraseIdentity(m, user);
      await m.getRepository(UserEntity).update(
        { id: user.id },
        {
          email: erasedEmail(user.id),
          displayName: null,
          passwordHash: '!erased',
          emailVerifiedAt: null,
          lastLoginAt: null,
          deletionDueAt: null,
          erasedAt: now,
        },
      );
      await this.events.publish('auth.account_erased', {
        user_id: user.id,
        by_user_id: user.deletionRequestedBy === user.id ? null : user.deletionRequestedBy,
        erased,
      });
      return true;
    });
  }

  /** Identity's own rows about the account: sessions, keys, factors, login history, links, lockouts. */
  private async eraseIdentity(m: EntityManager, user: UserEntity): Promise<number> {
    const statements: [string, unknown[]][] = [
      ['DELETE FROM user_sessions WHERE user_id = $1', [user.id]],
      ['DELETE FROM api_keys WHERE user_id = $1', [user.id]],
      ['DELETE FROM mfa_recovery_codes WHERE user_id = $1', [user.id]],
      ['DELETE FROM user_mfa WHERE user_id = $1', [user.id]],
      ['DELETE FROM login_sources WHERE user_id = $1', [user.id]],
      ['DELETE FROM one_time_tokens WHERE user_id = $1', [user.id]],
      ['DELETE FROM login_lockouts WHERE user_id = $1 OR subject_hash = $2', [user.id, lockoutSubject(user.email)]],
    ];
    let count = 0;
    for (const [sql, params] of statements) {
      const [, affected] = await m.query<[unknown[], number]>(sql, params);
      count += affected;
    }
    return count;
  }

  /** Runs after the answer; failures are logged (the job retries), shutdown waits for it. */
  private later(task: () => Promise<void>): void {
    const run = task()
      .catch((error: unknown) => this.logger.error({ err: error, event: 'account_erasure_failed' }, 'An account erasure failed'))
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }
}
