import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Params } from 'nestjs-pino';
import { destination, type Logger } from 'pino';
import type { Environment } from '../config/environment';

/** What Bastion keeps on the raw request for its access log line: the signed-in user, once a guard has found one. */
export interface LoggedRequest extends IncomingMessage {
  user_id?: string;
}

/** Paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.secret',
  '*.totp_code',
  '*.recovery_code',
  'headers.authorization',
  'headers.cookie',
];

/** Marks the authenticated user on the request so the access log carries `user_id`. */
export function bindUserToRequestLog(raw: IncomingMessage, userId: string): void {
  (raw as LoggedRequest).user_id = userId;
}

/** The request-scoped fields of every log line written while a request is being handled. */
export interface RequestLogFields {
  request_id: string;
  trace_id: string;
  span_id: string;
}

/**
 * Routes without an access line: the probes, which an orchestrator calls every few seconds on
 * every instance (Fastify route templates, as `request.routeOptions.url` gives them).
 */
export const UNLOGGED_ROUTES: ReadonlySet<string> = new Set(['/health/live', '/health/ready']);

/**
 * nestjs-pino options: JSON lines, secrets redacted, and on every line written while a request
 * is handled its request id and W3C trace ids (the caller's `traceparent`, or a new trace),
 * added by a pino `mixin` from the request context (`requestFields`), so that no per-request
 * child logger is built. nestjs-pino mounts no middleware (`forRoutes: []`): the access line is
 * written by a Fastify `onResponse` hook (`installAccessLog`), and the app runs without
 * `@fastify/middie` at all.
 *
 * Lines go to stdout synchronously (`pino.destination({ sync: true })`, as Node's own stdout on
 * Linux): a line is written before the call that logs it returns, so a crash or a SIGKILL loses
 * none, and a log reader that falls behind slows the process instead of growing a buffer in it.
 * pino's default destination hands every line to the libuv threadpool instead and wakes the event
 * loop again when it is written: a refused login (one at a time, the threadpool hashing) cost
 * 0.22–0.23 ms of main-thread CPU and 0.10–0.12 ms of system time that way, 0.19–0.20 and
 * 0.04–0.05 ms this way (`npm run bench -- sequential`; docs/performance.md, eighth pass).
 */
export function loggerParams(
  env: Pick<Environment, 'appEnv' | 'logLevel'>,
  requestFields: () => RequestLogFields | undefined = () => undefined,
): Params {
  const pretty = env.appEnv === 'development' && process.stdout.isTTY;
  return {
    forRoutes: [],
    pinoHttp: {
      level: env.logLevel,
      base: { service: 'bastion' },
      messageKey: 'msg',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // A copy: pino merges the line's own fields into the object the mixin returns.
      mixin: () => {
        const fields = requestFields();
        return fields ? { request_id: fields.request_id, trace_id: fields.trace_id, span_id: fields.span_id } : {};
      },
      transport: pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
      stream: pretty ? undefined : destination({ dest: 1, sync: true }),
    },
  };
}

/** The fields of a request's access line (the request-scoped ones included: it is written after the request's context). */
export function accessLine(
  request: FastifyRequest,
  status: number,
  durationMs: number,
  fields: RequestLogFields,
): Record<string, unknown> {
  const raw = request.raw as LoggedRequest;
  const line: Record<string, unknown> = {
    ...fields,
    method: request.method,
    // Route templates only (`/api/v1/projects/:id`); absent when no route matched.
    route: request.routeOptions.url,
    url: raw.url,
    status,
    duration_ms: durationMs,
    // Fastify's `request.ip` honours TRUST_PROXY.
    ip: request.ip,
  };
  if (raw.user_id) line.user_id = raw.user_id;
  return line;
}

/**
 * The logger access lines are written with: `root`'s child without redaction, at `root`'s level.
 * Redaction never changes an access line: its fields are strings and numbers at the top level
 * (`accessLine`), and every path in `REDACTED_PATHS` is two or more levels deep (both held by
 * logging.spec.ts). Skipping it is most of a line's cost: 16.6 → 5.7 µs per line in plain Node
 * (`npm run bench -- logging`), paid by every API response and every refusal of a flood.
 */
export function accessLoggerOf(root: Logger): Logger {
  const cached = accessLoggers.get(root);
  if (cached && cached.level === root.level) return cached;
  const access = root.child({}, { redact: [], level: root.level });
  accessLoggers.set(root, access);
  return access;
}

const accessLoggers = new WeakMap<Logger, Logger>();

/**
 * One access line per response (probes aside), `info`, or `error` for a 5xx: method, route
 * template, URL, status, duration, client IP and the signed-in user, with the request and trace
 * ids. Nothing from the request's headers or body reaches it.
 */
export function installAccessLog(
  fastify: FastifyInstance,
  logger: () => Logger | undefined,
  fieldsOf: (request: FastifyRequest) => RequestLogFields,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const log = logger();
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : 'info';
    if (log?.isLevelEnabled(level) && !UNLOGGED_ROUTES.has(request.routeOptions.url ?? '')) {
      const durationMs = Math.round(reply.elapsedTime * 100) / 100;
      accessLoggerOf(log)[level](
        accessLine(request, status, durationMs, fieldsOf(request)),
        `${request.method} ${request.raw.url} ${status}`,
      );
    }
    done();
  });
}
