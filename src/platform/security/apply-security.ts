import fastifyCors from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { Environment } from '../config';
import { CSP_REPORT_CONTENT_TYPES, CSP_REPORT_MAX_BYTES } from './csp-report';
import {
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  corsOriginAllowed,
  corsResponseHeaders,
  securityHeadersFor,
} from './security-policy';

/**
 * Security headers (helmet plus what it lacks), CORS from the allowlist, and the parsers of
 * the two CSP report media types (size-limited: larger reports get 413 before parsing).
 */
export async function applySecurity(app: NestFastifyApplication, env: Environment): Promise<void> {
  await app.register(fastifyCors, {
    origin: (origin, callback) => callback(null, corsOriginAllowed(env.security, origin)),
    credentials: env.security.corsAllowCredentials,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const headersFor = securityHeadersFor(env.appEnv);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headersFor(request.url));
    done();
  });
  fastify.addContentTypeParser(
    [...CSP_REPORT_CONTENT_TYPES],
    { parseAs: 'string', bodyLimit: CSP_REPORT_MAX_BYTES },
    (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(Object.assign(new SyntaxError('The report is not valid JSON.'), { statusCode: 400 }), undefined);
      }
    },
  );
}

/**
 * The headers `applySecurity`'s hooks give a response (the security headers of its kind of path,
 * CORS for its origin), for a response sent before any hook runs: Fastify's router answers a
 * malformed URL or an over-long path parameter itself (`frameworkErrors`, see configure-app.ts).
 */
export function headersOutsideHooks(env: Environment): (request: FastifyRequest) => Record<string, string> {
  const headersFor = securityHeadersFor(env.appEnv);
  return (request) => ({ ...headersFor(request.url), ...corsResponseHeaders(env.security, request.headers.origin) });
}
