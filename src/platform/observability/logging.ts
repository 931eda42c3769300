import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { Environment } from '../config/environment';
import { traceContextOf } from './trace-context';

/** What Bastion keeps on the raw request for its access log line. */
export interface LoggedRequest extends IncomingMessage {
  ip?: string;
  route_pattern?: string;
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

function accessLogFields(req: LoggedRequest, res: ServerResponse, responseTime: number): Record<string, unknown> {
  return {
    method: req.method,
    route: req.route_pattern,
    url: req.url,
    status: res.statusCode,
    duration_ms: responseTime,
    ip: req.ip ?? req.socket?.remoteAddress,
    ...(req.user_id ? { user_id: req.user_id } : {}),
  };
}

/**
 * Routes the request-logging middleware skips altogether: the probes, which an orchestrator
 * calls every few seconds on every instance. They get no access line and no per-request
 * child logger. (A pino-http `autoLogging.ignore` test cannot do this: the middleware runs
 * under @fastify/middie, which has already rewritten `req.url` when the test runs.)
 */
export const UNLOGGED_ROUTES = [
  { path: 'health/live', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
];

/** nestjs-pino options: JSON lines, request id on every line, secrets redacted; probes unlogged. */
export function loggerParams(env: Pick<Environment, 'appEnv' | 'logLevel'>): Params {
  const pretty = env.appEnv === 'development' && process.stdout.isTTY;
  return {
    exclude: UNLOGGED_ROUTES,
    pinoHttp: {
      level: env.logLevel,
      base: { service: 'bastion' },
      messageKey: 'msg',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (req: IncomingMessage) => req.id ?? 'unknown',
      // Every line of a request (the access line and whatever the handlers log) carries its
      // request id and W3C trace id (the caller's `traceparent`, or a new trace).
      customProps: (req: IncomingMessage) => {
        const trace = traceContextOf(req);
        return { request_id: req.id, trace_id: trace.traceId, span_id: trace.spanId };
      },
      customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
      customSuccessObject: (req: IncomingMessage, res: ServerResponse, val: { duration_ms?: number }) =>
        accessLogFields(req, res, val.duration_ms ?? 0),
      customErrorObject: (req: IncomingMessage, res: ServerResponse, err: Error, val: { duration_ms?: number }) => ({
        ...accessLogFields(req, res, val.duration_ms ?? 0),
        err: { type: err.name, message: err.message },
      }),
      customSuccessMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${req.url} ${res.statusCode}`,
      customErrorMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${req.url} ${res.statusCode}`,
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
        err || res.statusCode >= 500 ? 'error' : 'info',
      // The access line carries its own flat fields; no raw req/res dumps (headers hold secrets).
      serializers: { req: () => undefined, res: () => undefined },
      transport: pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
  };
}
