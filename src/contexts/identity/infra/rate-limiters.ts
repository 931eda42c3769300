import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import type { Rate } from '../../../platform/config';
import type { RateLimitObservation } from '../../../platform/rate-limit';
import type { RedisConnection } from '../../../platform/redis/redis.module';

/**
 * A counter shared by every instance: in Redis when `REDIS_URL` is set (with an in-memory
 * insurance limiter while Redis does not answer), else in PostgreSQL (`login_throttle`), never
 * in process memory alone.
 *
 * In PostgreSQL the library's own clean-up timer is off: it deletes the table's expired rows
 * every five minutes in no particular order, which could deadlock with a login's counters
 * statement (two rows in key order, `PostgresCounters`). The hourly `cleanup_login_defence`
 * job deletes every expired row of the table instead, skipping rows a login holds.
 */
export function sharedRateLimiter(redis: RedisConnection, dataSource: DataSource, name: string, rate: Rate): RateLimiterAbstract {
  const options = { keyPrefix: name, points: rate.limit, duration: rate.windowSeconds };
  return redis.client
    ? new RateLimiterRedis({
        ...options,
        keyPrefix: `${redis.keyPrefix}${options.keyPrefix}`,
        storeClient: redis.client,
        insuranceLimiter: new RateLimiterMemory(options),
      })
    : new RateLimiterPostgres({
        ...options,
        storeClient: dataSource,
        storeType: 'typeorm',
        tableName: 'login_throttle',
        tableCreated: true,
        clearExpiredByTimeout: false,
      });
}

export interface Consumed {
  refused: boolean;
  res: RateLimiterRes;
}

/** Takes one point; a refusal is an answer, not an error. */
export async function consume(limiter: RateLimiterAbstract, key: string): Promise<Consumed> {
  try {
    return { refused: false, res: await limiter.consume(key) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { refused: true, res: rejection };
    throw rejection;
  }
}

/** What a consumed point says for the rate-limit headers. */
export function observation(policy: string, rate: Rate, { res }: Consumed): RateLimitObservation {
  return {
    policy,
    limit: rate.limit,
    remaining: Math.max(0, rate.limit - res.consumedPoints),
    resetAt: Date.now() + res.msBeforeNext,
    windowSeconds: rate.windowSeconds,
  };
}
