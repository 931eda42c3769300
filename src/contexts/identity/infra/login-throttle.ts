import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import type { Rate } from '../../../platform/config';
import { identityConfig, type IdentityConfig } from '../identity.config';
import type { RateLimitObservation } from '../../../platform/rate-limit';
import { RedisConnection } from '../../../platform/redis/redis.module';
import { type Consumed, consume, observation, sharedRateLimiter } from './rate-limiters';

export type ThrottleScope = 'ip_email' | 'ip';

export type ThrottleDecision =
  | { allowed: true; observations: RateLimitObservation[] }
  | { allowed: false; scope: ThrottleScope; retryAfterSeconds: number; observations: RateLimitObservation[] };

/** How an attempt that got through the throttle ended. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'not_an_attempt';

/**
 * Failed-login throttle on rate-limiter-flexible: per (client IP, email) and per client IP
 * across all emails. Each attempt takes a point *before* the password is checked (one
 * atomic increment in Redis or PostgreSQL), so parallel requests cannot slip past the
 * count; a success gives its point back and clears the (IP, email) streak.
 *
 * Counters live in Redis when `REDIS_URL` is set, else in PostgreSQL (`login_throttle`),
 * never in process memory: the limit must hold across instances either way.
 */
@Injectable()
export class LoginThrottle {
  private readonly identity: RateLimiterAbstract;
  private readonly ip: RateLimiterAbstract;
  private readonly rates: Record<ThrottleScope, Rate>;

  constructor(redis: RedisConnection, dataSource: DataSource, @Inject(identityConfig.KEY) config: IdentityConfig) {
    const { perIdentity, perIp } = config.login;
    this.rates = { ip_email: perIdentity, ip: perIp };
    const limiter = (name: string, rate: Rate): RateLimiterAbstract =>
      sharedRateLimiter(redis, dataSource, `login_${name}`, rate);
    this.identity = limiter('ip_email', perIdentity);
    this.ip = limiter('ip', perIp);
  }

  /** Counts an attempt; refuses it when either limit is already used up. */
  async attempt(ip: string | null, email: string): Promise<ThrottleDecision> {
    const [identity, perIp] = await Promise.all([consume(this.identity, identityKey(ip, email)), consume(this.ip, ipKey(ip))]);
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
    const key = identityKey(ip, email);
    await Promise.all([
      outcome === 'succeeded' ? this.identity.delete(key) : this.identity.reward(key, 1),
      this.ip.reward(ipKey(ip), 1),
    ]);
    if (outcome !== 'succeeded') return [];
    const windowSeconds = this.rates.ip_email.windowSeconds;
    const fresh = { policy: 'login', limit: this.rates.ip_email.limit, remaining: this.rates.ip_email.limit, windowSeconds };
    return [{ ...fresh, resetAt: Date.now() + windowSeconds * 1000 }];
  }

  private observe(policy: string, scope: ThrottleScope, consumed: Consumed): RateLimitObservation {
    return observation(policy, this.rates[scope], consumed);
  }
}

/** Keys are hashed: no email address is written to Redis or the counter table. */
function identityKey(ip: string | null, email: string): string {
  return createHash('sha256')
    .update(`${ip ?? '-'}|${email}`, 'utf8')
    .digest('base64url');
}

function ipKey(ip: string | null): string {
  return ip ?? '-';
}
