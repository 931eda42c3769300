import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ifNoneMatchSatisfied, strongEtag } from './etag';
import { isOperationsPath } from './operations-path';

const BODY = Symbol('bastion.etag-body');
type Marked = FastifyRequest & { [BODY]?: 'item' | 'list' };

/**
 * For every successful GET (or HEAD) that returns a JSON body (probes and metrics aside): a
 * strong ETag over the body exactly as it is sent, and `304` with no body when
 * `If-None-Match` matches. Lists (bodies with `items`) get `Cache-Control: private, no-cache`.
 *
 * Two Fastify hooks: `preSerialization` sees the value (and only values that are serialised
 * as JSON: not strings, buffers or streams) and notes whether it is a list; `onSend` hashes the
 * string Fastify serialised, so the body is serialised once.
 */
export function installEtags(fastify: FastifyInstance): void {
  fastify.addHook('preSerialization', (request, _reply, payload, done) => {
    if (
      (request.method === 'GET' || request.method === 'HEAD') &&
      payload !== null &&
      typeof payload === 'object' &&
      !isOperationsPath(request.url)
    ) {
      (request as Marked)[BODY] = Array.isArray((payload as { items?: unknown }).items) ? 'list' : 'item';
    }
    done(null, payload);
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const kind = (request as Marked)[BODY];
    if (kind === undefined || reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload);
    const etag = strongEtag(payload);
    void reply.header('etag', etag);
    if (kind === 'list') void reply.header('cache-control', 'private, no-cache');
    if (!ifNoneMatchSatisfied(request.headers['if-none-match'], etag)) return done(null, payload);
    void reply.code(304).removeHeader('content-type');
    done(null, null);
  });
}
