/**
 * `nest-platform`: the liveness probe's floor with the platform's per-request work done at its
 * cheapest. Bare NestJS on Fastify answering the probe's body and headers (as `nest-headers`),
 * plus what every request of a service like this one pays for, each by the library the app uses
 * for it and in the cheapest form it offers:
 *
 * - CORS: `@fastify/cors` with the app's options (an origin callback, credentials, methods,
 *   allowed and exposed headers), which on a request without `Origin` only adds `Vary: Origin`;
 * - metrics: one `prom-client` histogram observation per response, labelled by method, route
 *   template and status, in an `onResponse` hook;
 * - rate limits: a global Nest guard, here one that lets every request through synchronously
 *   (what the app's guard does for the probes, which it never limits);
 * - request context: an `AsyncLocalStorage` made current in a `preHandler` hook for the handler
 *   and what it awaits (what log lines and the audit trail read);
 * - uploads: `@fastify/multipart` registered (its parser and its hooks are global).
 *
 * Everything else the app does per request (the hostile-input check, ETags, the access line, the
 * login shedding, the drain check) costs nothing measurable on the probe and is left out. The
 * ratio of the app's probe to this one is what the app's own code adds to the work itself.
 *
 * `platformWork` is that work without Nest (the guard aside), for the login-floor peer's refusals too
 * (login-floor.ts, `LOGIN_FLOOR_PLATFORM=1`), where it adds the access line the app writes for each.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import fastifyCors from '@fastify/cors';
import fastifyMultipart from '@fastify/multipart';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { destination, pino } from 'pino';
import { Histogram, Registry } from 'prom-client';
import { accessLine, UNLOGGED_ROUTES } from '../../../src/platform/observability/logging';
import { HTTP_DURATION } from '../../../src/platform/observability/metrics';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from '../../../src/platform/security/security-policy';
import { listening, send, untilStopped } from './ipc';
import { probeBody, setProbeHeaders } from './probe-response';

/**
 * Registers the per-request work every response of the platform pays for on `fastify`: CORS, the
 * probe's headers (the security headers and a request id), one histogram observation, a request
 * context for the handler; with `accessLines`, the app's access line (`accessLine`) per response
 * but the probes', on a synchronous destination (as the app writes them).
 */
export async function platformWork(fastify: FastifyInstance, { accessLines = false } = {}): Promise<void> {
  await fastify.register(fastifyCors, {
    origin: (origin, callback) => callback(null, origin === 'https://console.example'),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
  });
  await fastify.register(fastifyMultipart);
  fastify.addHook('onRequest', (_request, reply, done) => {
    setProbeHeaders(reply);
    done();
  });
  const duration = new Histogram({ ...HTTP_DURATION, registers: [new Registry()] });
  const log = accessLines
    ? pino({ base: { service: 'bastion' }, messageKey: 'msg' }, destination({ dest: 1, sync: true }))
    : undefined;
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    duration.observe(
      { method: request.method, route: route ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (log && !UNLOGGED_ROUTES.has(route ?? '')) {
      const trace = randomUUID().replaceAll('-', '');
      const fields = { request_id: request.id, trace_id: trace, span_id: trace.slice(0, 16) };
      const durationMs = Math.round(reply.elapsedTime * 100) / 100;
      log.info(accessLine(request, reply.statusCode, durationMs, fields), `${request.method} ${request.url} ${reply.statusCode}`);
    }
    done();
  });
  const storage = new AsyncLocalStorage<{ requestId: string }>();
  fastify.addHook('preHandler', (request, _reply, done) => {
    storage.run({ requestId: request.id }, done);
  });
}

/** Nest is loaded here only (as targets.ts's `serveNest` does), so the peers that import this file never load it. */
export async function serveNestPlatform(): Promise<void> {
  const { Controller, Get, Injectable, Module } = await import('@nestjs/common');
  const { APP_GUARD, NestFactory } = await import('@nestjs/core');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const started = Date.now();
  @Injectable()
  class LetThrough {
    canActivate(): boolean {
      return true;
    }
  }
  @Controller()
  class ProbeController {
    @Get()
    probe(): object {
      return probeBody(started);
    }
  }
  @Module({ controllers: [ProbeController], providers: [{ provide: APP_GUARD, useClass: LetThrough }] })
  class ProbeModule {}
  const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter({ logger: false }), {
    logger: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  await platformWork(fastify);
  await app.listen(0, '127.0.0.1');
  send({ type: 'ready', port: listening(fastify.server) });
  untilStopped(() => app.close());
}
