/** Public API of the status context. */
export { StatusModule } from './status.module';
export {
  StatusService,
  LATEST_PER_SERVICE_SQL,
  type PostStatusEvent,
  type ServiceStatusView,
  type StatusEventView,
  type StatusSummaryView,
} from './status.service';
export { SERVICE_STATUSES, type ServiceStatus, worstStatus } from './domain/status-rollup';
