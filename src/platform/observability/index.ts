export { BuildInfo } from './build-info';
export { Metrics } from './metrics';
export { ObservabilityModule } from './observability.module';
export { bindUserToRequestLog } from './logging';
export { Tracing } from './tracing';
