import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LoggedRequest, RequestLogFields } from '../observability/logging';
import { traceContextOf } from '../observability/trace-context';

/**
 * Who and where the current HTTP request comes from, readable anywhere below its handler
 * (services, event subscribers) without passing it along: `currentRequestContext()`.
 * Undefined outside a request (scheduled jobs, bootstrap).
 */
export interface RequestContext {
  readonly requestId: string;
  /** The client IP (honouring TRUST_PROXY), as Fastify reports it. */
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The signed-in user, once the auth guard has run (read when asked, not when the request began). */
  readonly userId: string | null;
  /** Request id and W3C trace ids, on every log line written while the request is handled (HTTP requests only). */
  readonly logFields?: RequestLogFields;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `context` as the current request context (the `preHandler` hook's job; tests and tools may use it too). */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

const CONTEXT = Symbol('bastion.request-context');

/** A request's context, built once per request and kept on it (the access-log hook reads it too). */
class FastifyRequestContext implements RequestContext {
  private fields?: RequestLogFields;

  constructor(private readonly request: FastifyRequest) {}

  get requestId(): string {
    return String(this.request.id);
  }

  get ip(): string | null {
    return this.request.ip ?? null;
  }

  get userAgent(): string | null {
    const ua = this.request.headers['user-agent'];
    return typeof ua === 'string' ? ua.slice(0, 512) : null;
  }

  get userId(): string | null {
    return (this.request.raw as LoggedRequest).user_id ?? null;
  }

  get logFields(): RequestLogFields {
    if (!this.fields) {
      const trace = traceContextOf(this.request.raw);
      this.fields = { request_id: this.requestId, trace_id: trace.traceId, span_id: trace.spanId };
    }
    return this.fields;
  }
}

function contextOf(request: FastifyRequest): FastifyRequestContext {
  const holder = request as FastifyRequest & { [CONTEXT]?: FastifyRequestContext };
  return (holder[CONTEXT] ??= new FastifyRequestContext(request));
}

export function requestContextOf(request: FastifyRequest): RequestContext {
  return contextOf(request);
}

/** The request id and trace ids of `request` (decided once per request), for its access line. */
export function requestLogFieldsOf(request: FastifyRequest): RequestLogFields {
  return contextOf(request).logFields;
}

/** The request id and trace ids of the current request, for its log lines; undefined outside one. */
export function currentLogFields(): RequestLogFields | undefined {
  return storage.getStore()?.logFields;
}

/**
 * Makes the request context current for the route's handler and everything it awaits (Nest's
 * guards, interceptors and pipes, the handler, the events it publishes), in one Fastify
 * `preHandler` hook: it runs after the body is parsed (a body streamed in later events would
 * not carry a context set earlier) and calls the route handler synchronously from `done`.
 * Register it after every other `preHandler` hook.
 */
export function installRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request, _reply, done) => {
    storage.run(requestContextOf(request), done);
  });
}
