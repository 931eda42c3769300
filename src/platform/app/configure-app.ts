import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { type INestApplication, RequestMethod } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { Environment } from '../config/environment';
import { inspectJson, type JsonVerdict, MAX_JSON_DEPTH, MAX_JSON_NODES } from '../http/hostile-input';
import { sendProblem } from '../http/early-refusal';
import { frameworkErrorHandler, MAX_PATH_PARAM_LENGTH } from '../http/framework-errors';
import { DomainError, ValidationFailedError } from '../http/problem';
import { REQUEST_ID_HEADER, requestIdFor } from '../http/request-id';
import { etagHooks } from '../http/etag.hooks';
import { isOperationsPath } from '../http/operations-path';
import { installRouteHooks, RouteHookProviders, type RouteHooks, type RouteScope } from '../route-hooks';
import { installRequestContext, requestLogFieldsOf } from '../http/request-context';
import { installAccessLog } from '../observability/logging';
import { ReadinessState } from '../health/readiness.state';
import { Metrics } from '../observability/metrics';
import { Tracing } from '../observability/tracing';
import type { Span } from '@opentelemetry/api';
import { applySecurity, headersOutsideHooks } from '../security';
import { setupSwagger } from '../openapi/swagger';
import { lowerThreadpoolPriority } from '../concurrency/threadpool-priority';

export const API_PREFIX = 'api/v1';

/** Options of the Fastify server (HTTP/1.1, plus one option of Nest's adapter), from the validated environment. */
export function fastifyOptions(env: Environment): FastifyServerOptions<Server> & { skipMiddie?: boolean } {
  return {
    bodyLimit: env.maxRequestSizeBytes,
    trustProxy: env.trustProxy,
    genReqId: (req) => requestIdFor(req),
    requestIdHeader: false,
    // Shutdown (see docs/operations.md): for SHUTDOWN_GRACE_MS requests are served as usual
    // but answered with `Connection: close` (hook below), so keep-alive clients move to other
    // instances; then the listener closes, idle sockets are closed and in-flight requests
    // finish. A request that still arrives on an open socket is served, not refused with
    // Fastify's 503 (`return503OnClosing`).
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    logger: false,
    // No Express-style middleware anywhere: the platform's per-request work is done in Fastify
    // hooks (below, and in `applySecurity`), so @fastify/middie is not registered at all.
    skipMiddie: true,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // The router answers a malformed URL or an over-long path parameter before any hook runs:
    // as a problem, with the headers the hooks would have set (see framework-errors.ts).
    frameworkErrors: frameworkErrorHandler(headersOutsideHooks(env)),
  };
}

/** `/api/v1` for the API; probes and metrics stay at the root where operators expect them. */
export function applyRoutePrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      { path: '.well-known/jwks.json', method: RequestMethod.GET },
      { path: '.well-known/openid-configuration', method: RequestMethod.GET },
    ],
  });
}

/**
 * Everything the app needs besides its modules, shared by `main.ts` and the e2e harness so
 * tests exercise exactly what production runs.
 */
export async function configureApp(app: NestFastifyApplication, env: Environment): Promise<NestFastifyApplication> {
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.flushLogs();
  const priority = await lowerThreadpoolPriority(env.threadpoolNice);
  if (priority.applied)
    logger.log(`Threadpool threads (argon2) run at nice ${priority.nice} (${priority.threads} threads)`, 'Bootstrap');
  else if (env.threadpoolNice !== 0) logger.warn(`Threadpool priority left alone: ${priority.reason}`, 'Bootstrap');
  applyRoutePrefix(app);
  await applySecurity(app, env);
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(Metrics);
  const tracing = app.get(Tracing);
  const spans = new WeakMap<object, Span | undefined>();
  if (tracing.enabled) {
    fastify.addHook('onRequest', (request, _reply, done) => {
      spans.set(request.raw, tracing.startRequest(request.raw, request.method, request.routeOptions.url));
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      tracing.endRequest(spans.get(request.raw), reply.statusCode);
      done();
    });
  }
  fastify.addHook('onResponse', (request, reply, done) => {
    // Route templates only (`/api/v1/projects/:id`); unknown paths share one label.
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // JSON only: a text/plain body must get 415, not reach a handler as a string.
  fastify.removeContentTypeParser('text/plain');
  const readiness = app.get(ReadinessState);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    // Draining (phase 1), or the listener is closed (phase 3): serve, then end the connection.
    if (
      (readiness.closeConnections || (readiness.isShuttingDown && !fastify.server.listening)) &&
      request.raw.httpVersionMajor === 1
    )
      void reply.header('connection', 'close');
    done();
  });
  // Before Nest registers its routes (in `app.init()`): the platform's and the contexts' hooks
  // that only some routes need go to those routes only.
  installRouteHooks(fastify, [hostileInputHooks, etagHooks, ...app.get(RouteHookProviders).scopes()]);
  installAccessLog(fastify, () => PinoLogger.root, requestLogFieldsOf);
  // Last of the preHandler hooks: the route handler runs inside the context it makes current.
  installRequestContext(fastify);
  fastify.addHook('preClose', async () => {
    if (fastify.server.listening) await closeListenerAndDrain(fastify.server, CONNECTION_DRAIN_MS);
  });
  setupSwagger(app);
  return app;
}

/**
 * One guard for every route but the probes and metrics (which read no input), after parsing
 * and before validation: JSON bodies within depth and size bounds, and no unstorable string
 * (NUL, lone surrogate) in the body, the query or the path parameters. See `hostile-input.ts`.
 */
const hostileInputHooks: RouteScope = (route) => (isOperationsPath(route.url) ? undefined : HOSTILE_INPUT_HOOKS);

const HOSTILE_INPUT_HOOKS: RouteHooks = {
  preValidation: (request, reply, done) => {
    const refusal = refusalFor(request.body) ?? refusalFor(request.query) ?? refusalFor(request.params);
    if (!refusal) return done();
    sendProblem(
      request,
      reply,
      refusal.kind === 'bad_string'
        ? new ValidationFailedError(refusal.errors)
        : new DomainError(
            'body_too_complex',
            400,
            `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels or holds more than ${MAX_JSON_NODES} keys and elements.`,
          ),
    );
  },
};

function refusalFor(value: unknown): Exclude<JsonVerdict, { ok: true }> | undefined {
  if (value === undefined || value === null) return undefined;
  const verdict = inspectJson(value);
  return verdict.ok ? undefined : verdict;
}

/** The longest the close waits for open connections to finish after the listener stopped. */
export const CONNECTION_DRAIN_MS = 3000;

/**
 * Stops accepting connections, then waits (at most `timeoutMs`) until the open ones have
 * ended, before Fastify closes what is left. Node's own `http.Server.close()` would first
 * destroy every connection with no request in progress, including one whose request is
 * already on the wire but not yet parsed: its client sees a reset. Here each of those is
 * served instead (with `Connection: close`, see the drain hook), and only connections that
 * stay silent until the deadline are closed.
 */
export async function closeListenerAndDrain(server: Server, timeoutMs: number): Promise<void> {
  // `net.Server`'s close, not `http.Server`'s: stop listening without reaping idle connections.
  NetServer.prototype.close.call(server);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (await openConnections(server)) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function openConnections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
}
