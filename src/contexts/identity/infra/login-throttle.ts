import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Rate } from '../../../platform/config';
import { identityConfig, type IdentityConfig } from '../identity.config';
import type { RateLimitObservation } from '../../../platform/rate-limit';
import { RedisConnection } from '../../../platform/redis/redis.module';
import { type CounterKeys, LimiterCounters, type LoginCounters, PostgresCounters } from './login-counters';
import { type Consumed, observation, sharedRateLimiter } from './rate-limiters';

export type ThrottleScope = 'ip_email' | 'ip';

export type ThrottleDecision =
  | { allowed: true; observations: RateLimitObservation[] }
  | { allowed: false; scope: ThrottleScope; retryAfterSeconds: number; observations: RateLimitObservation[] };

/** How an attempt that got through the throttle ended. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'not_an_attempt';

/**
 * Failed-login throttle: per (client IP, email) and per client IP across all emails. Each
 * attempt takes a point *before* the password is checked (one atomic increment of both
 * counters), so parallel requests cannot slip past the count; a success gives its point back
 * and clears the (IP, email) streak.
 *
 * Counters live in Redis when `REDIS_URL` is set (rate-limiter-flexible), else in PostgreSQL
 * (`login_throttle`, one statement per step: `PostgresCounters`), never in process memory: the
 * limit must hold across instances either way.
 */
@Injectable()
export class LoginThrottle {
  private readonly counters: LoginCounters;
  private readonly rates: Record<ThrottleScope, Rate>;

  constructor(redis: RedisConnection, dataSource: DataSource, @Inject(identityConfig.KEY) config: IdentityConfig) {
    const { perIdentity, perIp } = config.login;
    this.rates = { ip_email: perIdentity, ip: perIp };
    const prefixes = { identity: 'login_ip_email', ip: 'login_ip' };
    this.counters = redis.client
      ? new LimiterCounters(
          sharedRateLimiter(redis, dataSource, prefixes.identity, perIdentity),
          sharedRateLimiter(redis, dataSource, prefixes.ip, perIp),
        )
      : new PostgresCounters(dataSource, { identity: perIdentity, ip: perIp }, prefixes);
  }

  /** Counts an attempt; refuses it when either limit is already used up. */
  async attempt(ip: string | null, email: string): Promise<ThrottleDecision> {
    const { identity, ip: perIp } = await this.counters.consume(keysOf(ip, email));
    const observations = [this.observe('login', 'ip_email', identity), this.observe('login_ip', 'ip', perIp)];
    const refused = (
      [
        ['ip_email', identity],
        ['ip', perIp],
      ] as const
    ).filter(([, r]) => r.refused);
    if (refused.length === 0) return { allowed: true, observations };
    const [scope, res] = refused.reduce((a, b) => (b[1].res.msBeforeNext > a[1].res.msBeforeNext ? b : a));
    return { allowed: false, scope, retryAfterSeconds: Math.ceil(res.res.msBeforeNext / 1000), observations };
  }

  /** Settles an attempt that was let through. */
  async settle(ip: string | null, email: string, outcome: AttemptOutcome): Promise<RateLimitObservation[]> {
    if (outcome === 'failed') return [];
    await this.counters.giveBack(keysOf(ip, email), outcome === 'succeeded');
    if (outcome !== 'succeeded') return [];
    const windowSeconds = this.rates.ip_email.windowSeconds;
    const fresh = { policy: 'login', limit: this.rates.ip_email.limit, remaining: this.rates.ip_email.limit, windowSeconds };
    return [{ ...fresh, resetAt: Date.now() + windowSeconds * 1000 }];
  }

  private observe(policy: string, scope: ThrottleScope, consumed: Consumed): RateLimitObservation {
    return observation(policy, this.rates[scope], consumed);
  }
}

/** The identity's key is hashed: no email address is written to Redis or the counter table. */
function keysOf(ip: string | null, email: string): CounterKeys {
  return {
    identity: createHash('sha256')
      .update(`${ip ?? '-'}|${email}`, 'utf8')
      .digest('base64url'),
    ip: ip ?? '-',
  };
}
