import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { platformConfig, type PlatformConfig } from '../config';

/**
 * The shared Redis connection, present only when `REDIS_URL` is set. Request-rate counters
 * use it; durable state never does (that lives in PostgreSQL).
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis | undefined;
  /** `REDIS_KEY_PREFIX`: every key Bastion writes starts with it. */
  readonly keyPrefix: string;

  constructor(@Inject(platformConfig.KEY) config: PlatformConfig) {
    this.keyPrefix = config.redisKeyPrefix;
    this.client = config.redisUrl
      ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000 })
      : undefined;
    this.client?.on('error', () => undefined);
  }

  async ping(timeoutMs = 1000): Promise<void> {
    if (!this.client) return;
    if (this.client.status === 'wait') await this.client.connect();
    await Promise.race([
      this.client.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client && this.client.status !== 'end' && this.client.status !== 'wait')
      await this.client.quit().catch(() => undefined);
  }
}

@Global()
@Module({ providers: [RedisConnection], exports: [RedisConnection] })
export class RedisModule {}
