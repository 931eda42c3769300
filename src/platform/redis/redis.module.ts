import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { platformConfig, type PlatformConfig } from '../config';

/** How long a start waits for Redis before serving without it, and how long one command may take. */
const CONNECT_TIMEOUT_MS = 2000;
const COMMAND_TIMEOUT_MS = 1000;

/**
 * The shared Redis connection, present only when `REDIS_URL` is set. Request-rate and
 * failed-login counters use it; durable state never does (that lives in PostgreSQL).
 *
 * Redis is optional at run time: while it is unreachable or slow, commands fail fast (no
 * offline queue, a command timeout) and the counters fall back to each instance's memory
 * (rate-limiter-flexible's insurance limiter), so requests never wait on it. ioredis keeps
 * reconnecting in the background and the counters move back to Redis once it answers.
 */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis | undefined;
  /** `REDIS_KEY_PREFIX`: every key Bastion writes starts with it. */
  readonly keyPrefix: string;

  constructor(@Inject(platformConfig.KEY) config: PlatformConfig) {
    this.keyPrefix = config.redisKeyPrefix;
    this.client = config.redisUrl
      ? new Redis(config.redisUrl, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: CONNECT_TIMEOUT_MS,
          commandTimeout: COMMAND_TIMEOUT_MS,
          retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
        })
      : undefined;
    this.client?.on('error', () => undefined);
  }

  /** Connects before the app serves, so counters are shared from the first request; serves without Redis if it is away. */
  async onModuleInit(): Promise<void> {
    if (!this.client) return;
    try {
      await Promise.race([this.client.connect(), rejectAfter(CONNECT_TIMEOUT_MS)]);
    } catch (error) {
      this.logger.warn(
        { err: error, event: 'redis_unavailable' },
        'Redis does not answer: rate counters use this instance’s memory until it does',
      );
    }
  }

  async ping(timeoutMs = 1000): Promise<void> {
    if (!this.client) return;
    await Promise.race([this.client.ping(), rejectAfter(timeoutMs)]);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client || this.client.status === 'end') return;
    if (this.client.status === 'ready') {
      await Promise.race([this.client.quit(), rejectAfter(1000)]).catch(() => undefined);
    }
    // Stops any reconnection in progress (and ends a quit that did not finish).
    this.client.disconnect();
  }
}

function rejectAfter(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref());
}

@Global()
@Module({ providers: [RedisConnection], exports: [RedisConnection] })
export class RedisModule {}
