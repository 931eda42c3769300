import type { FastifyRequest } from 'fastify';
import { methodsOf, type RouteHooks, type RouteScope } from '../route-hooks';
import { ifNoneMatchSatisfied, strongEtag } from './etag';
import { isOperationsPath } from './operations-path';

const BODY = Symbol('bastion.etag-body');
type Marked = FastifyRequest & { [BODY]?: 'item' | 'list' };

/**
 * For every successful GET (or HEAD) that returns a JSON body: a strong ETag over the body
 * exactly as it is sent, and `304` with no body when `If-None-Match` matches. Lists (bodies
 * with `items`) get `Cache-Control: private, no-cache`.
 *
 * Two hooks: `preSerialization` sees the value (and only values that are serialised as JSON:
 * not strings, buffers or streams) and notes whether it is a list; `onSend` hashes the string
 * Fastify serialised, so the body is serialised once.
 */
const ETAG_HOOKS: RouteHooks = {
  preSerialization: (request, _reply, payload, done) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && payload !== null && typeof payload === 'object') {
      (request as Marked)[BODY] = Array.isArray((payload as { items?: unknown }).items) ? 'list' : 'item';
    }
    done(null, payload);
  },
  onSend: (request, reply, payload, done) => {
    const kind = (request as Marked)[BODY];
    if (kind === undefined || reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload);
    const etag = strongEtag(payload);
    void reply.header('etag', etag);
    if (kind === 'list') void reply.header('cache-control', 'private, no-cache');
    if (!ifNoneMatchSatisfied(request.headers['if-none-match'], etag)) return done(null, payload);
    void reply.code(304).removeHeader('content-type');
    // A HEAD keeps its string: Fastify's own HEAD hook, which runs next, drops the body and
    // sends its length (the 200's, which a 304 may carry); it cannot size a null one.
    done(null, request.method === 'HEAD' ? payload : null);
  },
};

/** The ETag hooks go to the GET (and HEAD) routes, the probes and metrics aside. */
export const etagHooks: RouteScope = (route) =>
  methodsOf(route).some((method) => method === 'GET' || method === 'HEAD') && !isOperationsPath(route.url)
    ? ETAG_HOOKS
    : undefined;
