/**
 * Which dependency an error says is unreachable, slow or recovering, if any. Such a failure
 * is not a bug: the client should retry later (503 `dependency_unavailable` with
 * `Retry-After`), and the pool heals by itself once the dependency is back. Framework-free;
 * reads the `pg` / TypeORM / ioredis error shapes (code, SQLSTATE, message, wrapped cause).
 */
export type Dependency = 'database' | 'redis';

/** Socket-level failures, whoever raised them. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away, starting up, in recovery, overloaded or too slow:
 * class 08 (connection exception), 53 (insufficient resources), 57P01–57P05 (shut down,
 * crashed, cannot connect now, …), 57014 (statement timeout / cancel) and 55P03 (lock timeout).
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code.startsWith('53') || /^57P0[1-5]$/.test(code) || code === '57014' || code === '55P03';
}

/** node-postgres and pg-pool messages that carry no code. */
const PG_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /query read timeout/i,
  /connection timeout/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/** ioredis: commands refused while disconnected or after the retries ran out. */
const REDIS_MESSAGES = [/connection is closed/i, /reached the max retries per request/i, /stream isn't writeable/i];

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

export function unavailableDependency(error: unknown, depth = 0): Dependency | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const e = error as ErrorShape;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((re) => re.test(message))) return 'redis';
  if (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)) return 'database';
  if (NETWORK_CODES.has(code) || PG_MESSAGES.some((re) => re.test(message))) return 'database';
  return unavailableDependency(e.driverError, depth + 1) ?? unavailableDependency(e.cause, depth + 1);
}
