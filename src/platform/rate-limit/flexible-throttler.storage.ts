import { Injectable, Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { RedisConnection } from '../redis/redis.module';
import { type ThrottlerCount, ThrottlerCounters } from './throttler-counters';

/**
 * `@nestjs/throttler` storage on rate-limiter-flexible (`ThrottlerCounters`): Redis (atomic Lua
 * increment, shared by every instance) when `REDIS_URL` is set, process memory otherwise. While
 * Redis is unreachable an in-memory insurance limiter keeps limits per instance instead of
 * failing requests.
 */
@Injectable()
export class FlexibleThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly counters: ThrottlerCounters;

  constructor(private readonly redis: RedisConnection) {
    this.counters = new ThrottlerCounters(redis.client, redis.keyPrefix, (id) =>
      this.logger.debug(`limiter ${id} on ${this.backend}`),
    );
  }

  get backend(): 'redis' | 'memory' {
    return this.redis.client ? 'redis' : 'memory';
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerCount> {
    return this.counters.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  /**
   * How many hits `key` has in its current window, without counting one (0 when none, or
   * when the store cannot be read). The same `name`, `limit`, `ttl` and `blockDuration` as the
   * increments it reads.
   */
  async peek(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<number> {
    try {
      return await this.counters.peek(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.logger.warn({ err: error, limiter: throttlerName }, 'Could not read a rate-limit counter');
      return 0;
    }
  }
}
