import { Global, Module } from '@nestjs/common';
import { BuildInfo } from './build-info';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { MetricsServer } from './metrics.server';
import { Tracing } from './tracing';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [BuildInfo, Metrics, MetricsServer, Tracing],
  exports: [BuildInfo, Metrics, Tracing],
})
export class ObservabilityModule {}
