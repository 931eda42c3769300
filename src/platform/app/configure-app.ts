import type { IncomingMessage } from 'node:http';
import { type INestApplication, RequestMethod } from '@nestjs/common';
import type { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { Environment } from '../config/environment';
import { REQUEST_ID_HEADER, requestIdFor } from '../http/request-id';
import type { LoggedRequest } from '../observability/logging';
import { Metrics } from '../observability/metrics';
import { Tracing } from '../observability/tracing';
import type { Span } from '@opentelemetry/api';
import { applySecurity } from '../security';
import { setupSwagger } from '../openapi/swagger';
import { lowerThreadpoolPriority } from '../concurrency/threadpool-priority';

export const API_PREFIX = 'api/v1';

/** Options of the Fastify server, from the validated environment. */
export function fastifyOptions(env: Environment): ConstructorParameters<typeof FastifyAdapter>[0] {
  return {
    bodyLimit: env.maxRequestSizeBytes,
    trustProxy: env.trustProxy,
    genReqId: (req) => requestIdFor(req as IncomingMessage),
    requestIdHeader: false,
    // On close: idle keep-alive sockets are closed at once, in-flight requests finish. New
    // requests keep being served during the drain grace period (only readiness turns 503),
    // so a load balancer can take the instance out without clients seeing errors.
    forceCloseConnections: 'idle',
    logger: false,
  };
}

/** `/api/v1` for the API; probes and metrics stay at the root where operators expect them. */
export function applyRoutePrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
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
  }
  fastify.addHook('onResponse', (request, reply, done) => {
    // Route templates only (`/api/v1/projects/:id`); unknown paths share one label.
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    tracing.endRequest(spans.get(request.raw), reply.statusCode);
    done();
  });
  // JSON only: a text/plain body must get 415, not reach a handler as a string.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw as LoggedRequest;
    raw.route_pattern = request.routeOptions.url;
    // Fastify's `request.ip` honours TRUST_PROXY; the access log reads it from the raw request.
    raw.ip = request.ip;
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  setupSwagger(app);
  return app;
}
