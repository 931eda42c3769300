import { Injectable, Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RedisConnection } from '../redis/redis.module';

/** What `ThrottlerStorage.increment` returns (the type is not exported by the package). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * `@nestjs/throttler` storage on rate-limiter-flexible: Redis (atomic Lua increment, shared
 * by every instance) when `REDIS_URL` is set, process memory otherwise. While Redis is
 * unreachable an in-memory insurance limiter keeps limits per instance instead of failing
 * requests.
 */
@Injectable()
export class FlexibleThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(private readonly redis: RedisConnection) {}

  get backend(): 'redis' | 'memory' {
    return this.redis.client ? 'redis' : 'memory';
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const limiter = this.limiterFor(throttlerName, limit, ttl, blockDuration);
    try {
      const res = await limiter.consume(key);
      return { totalHits: res.consumedPoints, timeToExpire: seconds(res.msBeforeNext), isBlocked: false, timeToBlockExpire: 0 };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const wait = seconds(rejection.msBeforeNext);
      return { totalHits: rejection.consumedPoints, timeToExpire: wait, isBlocked: true, timeToBlockExpire: wait };
    }
  }

  /**
   * How many hits `key` has in its current window, without counting one (0 when none, or
   * when the store cannot be read). The same `name`, `limit`, `ttl` and `blockDuration` as the
   * increments it reads.
   */
  async peek(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<number> {
    const limiter = this.limiterFor(throttlerName, limit, ttl, blockDuration);
    try {
      return (await limiter.get(key))?.consumedPoints ?? 0;
    } catch (error) {
      this.logger.warn({ err: error, limiter: throttlerName }, 'Could not read a rate-limit counter');
      return 0;
    }
  }

  private limiterFor(name: string, limit: number, ttlMs: number, blockMs: number): RateLimiterAbstract {
    const id = `${name}:${limit}:${ttlMs}:${blockMs}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const options = {
        keyPrefix: `${this.redis.keyPrefix}rl:${name}`,
        points: limit,
        duration: Math.max(1, Math.ceil(ttlMs / 1000)),
        blockDuration: blockMs > ttlMs ? Math.ceil(blockMs / 1000) : 0,
      };
      limiter = this.redis.client
        ? new RateLimiterRedis({ ...options, storeClient: this.redis.client, insuranceLimiter: new RateLimiterMemory(options) })
        : new RateLimiterMemory(options);
      this.limiters.set(id, limiter);
      this.logger.debug(`limiter ${id} on ${this.backend}`);
    }
    return limiter;
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}
