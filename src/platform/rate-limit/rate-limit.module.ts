import { type DynamicModule, Module, type ModuleMetadata, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { platformConfig, type PlatformConfig } from '../config';
import { FlexibleThrottlerStorage } from './flexible-throttler.storage';
import { RateLimitGate, RateLimitGuard, type RequestPrincipalResolver, throttlerOptions } from './rate-limit.guard';

/** The rate-limit counters (Redis when configured, else memory), for limits of a context's own (tenants' request rates). */
@Module({ providers: [FlexibleThrottlerStorage], exports: [FlexibleThrottlerStorage] })
export class RateLimitStorageModule {}

/**
 * Tiered request-rate limits for every route (a global guard): per client IP, per
 * authenticated user, and tighter per-IP tiers on routes marked `@RateLimitTier(...)`.
 * `principal` names the provider (from `imports`) that identifies the user of a request.
 */
@Module({})
export class RateLimitModule {
  static forRoot(options: {
    imports: NonNullable<ModuleMetadata['imports']>;
    principal: Type<RequestPrincipalResolver>;
  }): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          imports: [...options.imports, RateLimitStorageModule],
          inject: [platformConfig.KEY, options.principal, FlexibleThrottlerStorage],
          useFactory: (config: PlatformConfig, principal: RequestPrincipalResolver, storage: FlexibleThrottlerStorage) => ({
            ...throttlerOptions(config.rateLimit, principal),
            storage,
          }),
        }),
      ],
      providers: [RateLimitGuard, { provide: APP_GUARD, useClass: RateLimitGate }],
    };
  }
}
