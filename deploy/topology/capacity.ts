/**
 * The numbers behind a topology of N instances: connection pool per instance, rolling-update
 * surge, disruption budget and the PostgreSQL `max_connections` they need. One function, used
 * by the generator (compose, nginx, Kubernetes) and by docs/operations/capacity-planning.md,
 * so the files and the documented budget cannot disagree.
 */

/** PostgreSQL's default `max_connections`; topologies stay within it while they can. */
export const DEFAULT_MAX_CONNECTIONS = 100;
/** `superuser_reserved_connections` (PostgreSQL default). */
export const SUPERUSER_RESERVED = 3;
/** The release step: the migration run (one pool connection plus its lock session) and the grants. */
export const MIGRATION_CONNECTIONS = 3;
/** Kept free for operators: psql, pg_dump (backups), monitoring exporters. */
export const OPERATOR_CONNECTIONS = 10;
/** The audit retention job's own connection (AUDIT_RETENTION_DATABASE_URL): the job runs on one instance at a time. */
export const RETENTION_CONNECTIONS = 1;
/** Pool bounds: below 5 a burst queues too soon; above 10 a Node instance never keeps them busy. */
export const MIN_POOL = 5;
export const MAX_POOL = 10;

export interface Capacity {
  instances: number;
  /** Extra instances a rolling update starts before stopping old ones (maxSurge). */
  surge: number;
  /** PodDisruptionBudget maxUnavailable: voluntary evictions allowed at once. */
  disruptionBudget: number;
  /** DB_POOL_SIZE per instance. */
  dbPoolSize: number;
  /** Connections the app can open at the peak of a rolling update: (instances + surge) x pool. */
  appConnections: number;
  /** CONNECTION LIMIT of the app role: exactly appConnections. */
  appRoleConnectionLimit: number;
  /** Everything that may be connected at once, including reserves. */
  connectionBudget: number;
  /** PostgreSQL max_connections to configure (at least the default, rounded up to a ten). */
  maxConnections: number;
}

export function capacityFor(instances: number): Capacity {
  if (!Number.isInteger(instances) || instances < 1 || instances > 64) {
    throw new RangeError(`instances must be an integer from 1 to 64, got ${instances}`);
  }
  const surge = Math.max(1, Math.ceil(instances / 4));
  const disruptionBudget = Math.max(1, Math.floor(instances / 4));
  const fixed = MIGRATION_CONNECTIONS + OPERATOR_CONNECTIONS + SUPERUSER_RESERVED + RETENTION_CONNECTIONS;
  const fitting = Math.floor((DEFAULT_MAX_CONNECTIONS - fixed) / (instances + surge));
  const dbPoolSize = Math.min(MAX_POOL, Math.max(MIN_POOL, fitting));
  const appConnections = (instances + surge) * dbPoolSize;
  const connectionBudget = appConnections + fixed;
  const maxConnections = Math.max(DEFAULT_MAX_CONNECTIONS, Math.ceil(connectionBudget / 10) * 10);
  return {
    instances,
    surge,
    disruptionBudget,
    dbPoolSize,
    appConnections,
    appRoleConnectionLimit: appConnections,
    connectionBudget,
    maxConnections,
  };
}
