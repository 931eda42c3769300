/** What only tests use from the status context. */
export { StatusService, LATEST_PER_SERVICE_SQL } from './status.service';
export { SERVICE_STATUSES, type ServiceStatus } from './domain/status-rollup';
