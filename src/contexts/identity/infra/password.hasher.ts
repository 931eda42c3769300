import { Inject, Injectable, Optional } from '@nestjs/common';
import * as argon2 from 'argon2';
import { Counter } from 'prom-client';
import { BoundedPool, PoolSaturatedError } from '../../../platform/concurrency/bounded-pool';
import { identityConfig, type IdentityConfig } from '../identity.config';
import { Metrics } from '../../../platform/observability';
import { AuthError } from '../domain/auth.errors';
import { type Argon2Params, needsRehash } from '../domain/argon2-params';

/**
 * argon2id with explicit parameters from config (OWASP minimum: m=19 MiB, t=2, p=1). Every
 * hash and verification runs through a bounded pool (`ARGON2_MAX_CONCURRENCY` at once,
 * `ARGON2_MAX_QUEUE` waiting): a login flood gets fast 503s instead of a growing queue that
 * would starve every other route of CPU.
 */
@Injectable()
export class PasswordHasher {
  private readonly params: Argon2Params;
  private readonly pool: BoundedPool;
  private readonly refused: Counter;
  private dummy: Promise<string> | undefined;
  /**
   * The one 503 every refusal answers with: under a flood the refusals are most of the traffic, and a
   * new error each would capture a stack trace nobody reads (DomainErrors are mapped, never logged
   * with their stack, and nothing changes them).
   */
  private readonly busyError = AuthError.busy();

  constructor(@Inject(identityConfig.KEY) config: IdentityConfig, @Optional() metrics?: Metrics) {
    this.params = config.argon2;
    this.pool = new BoundedPool('argon2', config.argon2.maxConcurrency, config.argon2.maxQueue);
    this.refused =
      metrics?.counter({
        name: 'argon2_saturated_total',
        help: 'Password hashings refused because the argon2 pool was full (503).',
      }) ?? new Counter({ name: 'argon2_saturated_total', help: 'unregistered', registers: [] });
    if (metrics) {
      const pool = this.pool;
      metrics.gauge({
        name: 'argon2_pool',
        help: 'argon2 work running and waiting on this instance, and logins admitted towards it (admitted).',
        labelNames: ['state'],
        collect() {
          this.set({ state: 'running' }, pool.running);
          this.set({ state: 'queued' }, pool.queued);
          this.set({ state: 'admitted' }, pool.admittedCallers);
        },
      });
    }
  }

  hash(password: string): Promise<string> {
    return this.bounded(() =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: this.params.memoryKib,
        timeCost: this.params.timeCost,
        parallelism: this.params.parallelism,
      }),
    );
  }

  async verify(hash: string, password: string): Promise<boolean> {
    return this.bounded(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    });
  }

  /**
   * Refuses (503 `server_busy`) when a hashing submitted now would be refused anyway, so a
   * request that is going to be shed can be shed before it costs anything else.
   */
  refuseIfSaturated(): void {
    if (this.pool.saturated) throw this.busy();
  }

  /**
   * Admits a request that will verify a password (a login, before its body is read): the function
   * that releases its place when the request is over, or the 503 `server_busy` (counted as refused)
   * when the pool, with the requests already admitted, would refuse it. See `BoundedPool.admit`.
   */
  admit(): (() => void) | AuthError {
    return this.pool.admit() ?? this.busy();
  }

  private async bounded<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await this.pool.run(task);
    } catch (error) {
      if (error instanceof PoolSaturatedError) throw this.busy();
      throw error;
    }
  }

  private busy(): AuthError {
    this.refused.inc();
    return this.busyError;
  }

  /** Spends the same work as a real verification, so unknown emails take as long as wrong passwords. */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.hash('bastion-dummy-password-for-timing');
    await this.verify(await this.dummy, password);
    return false;
  }

  needsRehash(hash: string): boolean {
    return needsRehash(hash, this.params);
  }
}
