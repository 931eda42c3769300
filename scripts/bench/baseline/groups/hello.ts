/**
 * Group `hello`: what a request costs before any work. The liveness probe of the app next to a
 * small JSON hello from bare node:http, bare Fastify and bare NestJS on Fastify, and bare NestJS
 * answering exactly what the probe answers (body and headers): the floor of the probe; and the
 * same with the platform's per-request work at its cheapest (platform-floor.ts): the floor of a
 * probe that pays for CORS, a metric, a global guard, a request context and the upload parser.
 * And the probe of a second app process that has served nothing but its probe: the app's own code
 * on the probe, next to the first app process's (the tenth pass in docs/performance.md).
 */
import { type Group, type GroupContext, healthLoad, httpMember, plainLoad } from './group';

export function helloGroup(ctx: GroupContext): Group {
  const { targets } = ctx;
  const members = [
    httpMember(ctx, 'node-hello', 'node:http hello', 'node:http', plainLoad(ctx, targets['node-http'], '/'), ['200']),
    httpMember(ctx, 'fastify-hello', 'Fastify hello', 'fastify', plainLoad(ctx, targets.fastify, '/'), ['200']),
    httpMember(ctx, 'nest-hello', 'NestJS on Fastify hello', 'nest', plainLoad(ctx, targets.nest, '/'), ['200']),
    httpMember(
      ctx,
      'nest-probe',
      "NestJS on Fastify, the probe's body and headers",
      'nest-headers',
      plainLoad(ctx, targets['nest-headers'], '/'),
      ['200'],
    ),
    httpMember(
      ctx,
      'nest-platform-probe',
      "NestJS on Fastify, the probe's body and headers, and the platform's per-request work",
      'nest-platform',
      plainLoad(ctx, targets['nest-platform'], '/'),
      ['200'],
    ),
    httpMember(ctx, 'health', 'GET /health/live', 'app', healthLoad(ctx), ['200']),
    httpMember(
      ctx,
      'health-fresh',
      'GET /health/live of an app that has served nothing else',
      'app-fresh',
      plainLoad(ctx, targets['app-fresh'], '/health/live'),
      ['200'],
    ),
  ];
  const candidate = targets['app-candidate'];
  if (candidate) {
    const candidateHealth = plainLoad(ctx, candidate, '/health/live');
    members.push(httpMember(ctx, 'health-candidate', 'GET /health/live (candidate)', 'candidate app', candidateHealth, ['200']));
  }
  return { id: 'hello', slice: 1, settleMs: 100, members };
}
