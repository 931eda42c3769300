import { Global, Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { platformConfig, type PlatformConfig } from '../config';
import { DatabaseRuntime } from './database.runtime';
import { dataSourceOptions, poolTimeouts } from './data-source-options';
import { PoolMetrics } from './pool.metrics';
import { runtimeRoleOptions } from './runtime-role';

@Global()
@Module({
  providers: [
    {
      provide: DatabaseRuntime,
      inject: [platformConfig.KEY, ModuleRef],
      useFactory: (config: PlatformConfig, moduleRef: ModuleRef) => DatabaseRuntime.create(config, moduleRef),
    },
  ],
  exports: [DatabaseRuntime],
})
class DatabaseRuntimeModule {}

@Module({
  imports: [
    DatabaseRuntimeModule,
    TypeOrmModule.forRootAsync({
      inject: [DatabaseRuntime, platformConfig.KEY],
      useFactory: (runtime: DatabaseRuntime, config: PlatformConfig) => {
        const options = dataSourceOptions(runtime.url, config.dbPoolSize);
        return {
          ...options,
          extra: {
            ...options.extra,
            ...poolTimeouts(config.dbConnectTimeoutMs, config.dbStatementTimeoutMs),
            ...(runtime.runtimeRole ? runtimeRoleOptions(runtime.runtimeRole) : {}),
          },
          autoLoadEntities: true,
          migrationsRun: runtime.migrateWithPool,
          retryAttempts: config.appEnv === 'test' ? 0 : 5,
          retryDelay: 2000,
        };
      },
    }),
  ],
  providers: [PoolMetrics],
  exports: [DatabaseRuntimeModule],
})
export class DatabaseModule {}
