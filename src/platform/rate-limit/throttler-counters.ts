import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** A count against one throttler, as `@nestjs/throttler`'s storage answers it (seconds). */
export interface ThrottlerCount {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/**
 * The throttler's counters on rate-limiter-flexible: Redis (atomic Lua increment, shared by
 * every instance) when there is a client, process memory otherwise; on Redis an in-memory
 * insurance limiter keeps limits per instance while Redis does not answer. One limiter per
 * (name, limit, ttl, block), made on first use. Free of Nest, so that the benchmark's bare peer
 * counts with this very code (scripts/bench/baseline/targets.ts).
 */
export class ThrottlerCounters {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    private readonly client: Redis | undefined,
    private readonly keyPrefix: string,
    /** Told of each limiter as it is made (its id). */
    private readonly onNewLimiter: (id: string) => void = () => undefined,
  ) {}

  /** Counts one hit of `key`; a refusal is an answer (`isBlocked`), not an error. */
  async increment(key: string, ttlMs: number, limit: number, blockMs: number, name: string): Promise<ThrottlerCount> {
    const limiter = this.limiterFor(name, limit, ttlMs, blockMs);
    try {
      const res = await limiter.consume(key);
      return { totalHits: res.consumedPoints, timeToExpire: seconds(res.msBeforeNext), isBlocked: false, timeToBlockExpire: 0 };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const wait = seconds(rejection.msBeforeNext);
      return { totalHits: rejection.consumedPoints, timeToExpire: wait, isBlocked: true, timeToBlockExpire: wait };
    }
  }

  /** The hits `key` has in its current window, without counting one (0 when none). */
  async peek(key: string, ttlMs: number, limit: number, blockMs: number, name: string): Promise<number> {
    return (await this.limiterFor(name, limit, ttlMs, blockMs).get(key))?.consumedPoints ?? 0;
  }

  private limiterFor(name: string, limit: number, ttlMs: number, blockMs: number): RateLimiterAbstract {
    const id = `${name}:${limit}:${ttlMs}:${blockMs}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const options = {
        keyPrefix: `${this.keyPrefix}rl:${name}`,
        points: limit,
        duration: Math.max(1, Math.ceil(ttlMs / 1000)),
        blockDuration: blockMs > ttlMs ? Math.ceil(blockMs / 1000) : 0,
      };
      limiter = this.client
        ? new RateLimiterRedis({ ...options, storeClient: this.client, insuranceLimiter: new RateLimiterMemory(options) })
        : new RateLimiterMemory(options);
      this.limiters.set(id, limiter);
      this.onNewLimiter(id);
    }
    return limiter;
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}
