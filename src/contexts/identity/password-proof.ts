import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../platform/clock';
import { EventBus } from '../../platform/events';
import { AuthError } from './domain/auth.errors';
import { identityConfig, type IdentityConfig } from './identity.config';
import { LoginLockoutStore } from './infra/login-lockout.store';
import { PasswordHasher } from './infra/password.hasher';
import type { UserEntity } from './infra/user.entity';
import type { ClientInfo } from './sessions.service';

/**
 * Proofs of identity and the account's lockout, for every place that checks one: a failure
 * counts towards the lockout (`countFailure`: logins, re-authentication), and a signed-in user's
 * current password, asked for before a sensitive change (`checkCurrentPassword`: the password,
 * the address, two-factor authentication, closing the account), is refused while the account is
 * locked and counts like a failed login when wrong. Before, those four checks neither looked at
 * the lockout nor counted: a stolen session could guess the password there at the request-rate
 * limit's pace, even on a locked account.
 */
@Injectable()
export class PasswordProof {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly lockouts: LoginLockoutStore,
    private readonly events: EventBus,
    private readonly clock: Clock,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  /**
   * @throws 429 too_many_attempts while the account is locked; AuthError 400 (`field`) when the
   *   password is wrong, after counting the failure
   */
  async checkCurrentPassword(user: UserEntity, password: string, client: ClientInfo, field = 'current_password'): Promise<void> {
    const now = this.clock.now();
    const gate = await this.lockouts.check(user.email, now);
    // The first proof after a lock's cooldown clears it; that is on the record as for a login.
    if (gate.unlocked) await this.unlocked(gate.userId ?? user.id, 'cooldown', null, true, client);
    if (!gate.allowed) throw AuthError.tooManyAttempts(gate.retryAfterSeconds);
    if (await this.hasher.verify(user.passwordHash, password)) return;
    await this.countFailure(user.email, user.id, client, now, () => Promise.resolve());
    throw AuthError.currentPasswordWrong(field);
  }

  /**
   * A failed proof of identity for the account's lockout: the failure streak (locking the
   * account at the threshold, its audit record in the same transaction), `report` (the failure's
   * own event), then the repeated-failures flag.
   */
  async countFailure(
    email: string,
    userId: string | null,
    client: ClientInfo,
    now: Date,
    report: () => Promise<void>,
  ): Promise<void> {
    const who = { email, user_id: userId, ip: client.ip, user_agent: client.userAgent };
    // The lock and its audit record commit together (published inside the lockout's transaction).
    const outcome = await this.lockouts.recordFailure(email, userId, now, async ({ locked }) => {
      if (!locked) return;
      await this.events.publish('auth.account_locked', {
        ...who,
        locked_until: locked.until.toISOString(),
        lockout_level: locked.level,
        cooldown_seconds: locked.cooldownSeconds,
      });
    });
    await report();
    if (outcome.state.failedCount === this.config.login.repeatedFailures) {
      await this.events.publish('auth.repeated_login_failures', { ...who, failures: outcome.state.failedCount });
    }
  }

  /** A lockout that ended, on the record: after its cooldown (the next proof cleared it) or lifted by an admin. */
  async unlocked(
    userId: string | null,
    reason: 'cooldown' | 'admin',
    byUserId: string | null,
    wasLocked: boolean,
    client: ClientInfo,
  ): Promise<void> {
    await this.events.publish('auth.account_unlocked', {
      user_id: userId,
      reason,
      by_user_id: byUserId,
      was_locked: wasLocked,
      ip: client.ip,
    });
  }
}
