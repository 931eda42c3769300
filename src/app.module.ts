import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './contexts/audit';
import { IdentityModule, RequestPrincipal } from './contexts/identity';
import { FilesModule } from './contexts/files';
import { IdempotencyModule } from './contexts/idempotency';
import { NotificationsModule } from './contexts/notifications';
import { StatusModule } from './contexts/status';
import { TenancyModule } from './contexts/tenancy';
import { WorkspaceModule } from './contexts/workspace';
import { ClockModule } from './platform/clock';
import { ConsoleModule } from './platform/console/console.module';
import { platformConfig, type PlatformConfig } from './platform/config';
import { DatabaseModule } from './platform/database/database.module';
import { EventsModule } from './platform/events';
import { LiveModule } from './platform/live';
import { HealthModule } from './platform/health/health.module';
import { ProblemDetailsFilter } from './platform/http/problem-details.filter';
import { createValidationPipe } from './platform/http/validation';
import { JobsModule } from './platform/jobs';
import { ObservabilityModule } from './platform/observability';
import { PersonalDataModule } from './platform/personal-data';
import { TenantUsageModule } from './platform/tenant-usage';
import { RouteHooksModule } from './platform/route-hooks';
import { currentLogFields } from './platform/http/request-context';
import { loggerParams } from './platform/observability/logging';
import { RateLimitModule } from './platform/rate-limit';
import { RedisModule } from './platform/redis/redis.module';
import { SecretsModule } from './platform/secrets';
import { SecurityModule } from './platform/security';

/** The bounded contexts, each reached by others only through its `index.ts`. */
const CONTEXTS: NonNullable<ModuleMetadata['imports']> = [
  AuditModule,
  IdentityModule,
  StatusModule,
  IdempotencyModule,
  WorkspaceModule,
  FilesModule,
  NotificationsModule,
  TenancyModule,
];

/** Composes the platform and the contexts. `extra` lets tests mount harness-only modules. */
@Module({})
export class AppModule {
  static forRoot(extra: NonNullable<ModuleMetadata['imports']> = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, cache: true, ignoreEnvFile: true, load: [platformConfig] }),
        LoggerModule.forRootAsync({
          inject: [platformConfig.KEY],
          useFactory: (config: PlatformConfig) => loggerParams(config, currentLogFields),
        }),
        ClockModule,
        SecretsModule,
        ObservabilityModule,
        DatabaseModule,
        RedisModule,
        EventsModule,
        JobsModule,
        PersonalDataModule,
        TenantUsageModule,
        RouteHooksModule,
        HealthModule,
        LiveModule,
        SecurityModule,
        ConsoleModule,
        ...CONTEXTS,
        RateLimitModule.forRoot({ imports: [IdentityModule], principal: RequestPrincipal }),
        ...extra,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
