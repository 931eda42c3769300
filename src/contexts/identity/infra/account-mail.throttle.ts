import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import type { RateLimitObservation } from '../../../platform/rate-limit';
import { RedisConnection } from '../../../platform/redis/redis.module';
import { identityConfig, type IdentityConfig } from '../identity.config';
import { consume, observation, sharedRateLimiter } from './rate-limiters';

export type AccountMailDecision =
  | { allowed: true; observations: RateLimitObservation[] }
  | { allowed: false; retryAfterSeconds: number; observations: RateLimitObservation[] };

/**
 * Limits the requests that mail a link (forgot password, a new verification link): per
 * address, whether or not it has an account (so a refusal tells nothing about it), and per
 * client IP across addresses. Counters are shared by every instance, keys are hashed.
 */
@Injectable()
export class AccountMailThrottle {
  private readonly address: RateLimiterAbstract;
  private readonly ip: RateLimiterAbstract;

  constructor(
    redis: RedisConnection,
    dataSource: DataSource,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {
    const { perAddress, perIp } = config.accountMail;
    this.address = sharedRateLimiter(redis, dataSource, 'account_mail_address', perAddress);
    this.ip = sharedRateLimiter(redis, dataSource, 'account_mail_ip', perIp);
  }

  /** Counts a request (`email` normalised); refuses it when either limit is used up. */
  async attempt(ip: string | null, email: string): Promise<AccountMailDecision> {
    const { perAddress, perIp } = this.config.accountMail;
    const addressKey = createHash('sha256').update(email, 'utf8').digest('base64url');
    const [byAddress, byIp] = await Promise.all([consume(this.address, addressKey), consume(this.ip, ip ?? '-')]);
    const observations = [observation('account_mail', perAddress, byAddress), observation('account_mail_ip', perIp, byIp)];
    const refused = [byAddress, byIp].filter((c) => c.refused);
    if (refused.length === 0) return { allowed: true, observations };
    const wait = Math.max(...refused.map((c) => c.res.msBeforeNext));
    return { allowed: false, retryAfterSeconds: Math.ceil(wait / 1000), observations };
  }
}
