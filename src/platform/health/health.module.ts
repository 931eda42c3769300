import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { platformConfig, type PlatformConfig } from '../config';
import { HealthController } from './health.controller';
import { ReadinessState } from './readiness.state';

@Global()
@Module({
  imports: [
    TerminusModule.forRootAsync({
      inject: [platformConfig.KEY],
      useFactory: (config: PlatformConfig) => ({
        errorLogStyle: 'json',
        logger: config.appEnv !== 'test',
      }),
    }),
  ],
  controllers: [HealthController],
  providers: [ReadinessState],
  exports: [ReadinessState],
})
export class HealthModule {}
