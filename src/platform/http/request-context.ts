import { AsyncLocalStorage } from 'node:async_hooks';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import type { LoggedRequest } from '../observability/logging';

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
}

const storage = new AsyncLocalStorage<RequestContext>();

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `context` as the current request context (the interceptor's job; tests and tools may use it too). */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function requestContextOf(request: FastifyRequest): RequestContext {
  const raw = request.raw as LoggedRequest;
  const ua = request.headers['user-agent'];
  return {
    requestId: String(request.id),
    ip: request.ip ?? null,
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
    get userId() {
      return raw.user_id ?? null;
    },
  };
}

/**
 * Makes the request context current for everything after the guards: other interceptors,
 * pipes, the handler and whatever it awaits (events published by it included). Register it
 * as a global interceptor (`APP_INTERCEPTOR`).
 *
 * `next.handle()` must be called inside `run`: Nest binds the rest of the chain to the async
 * context current when `handle()` is called, not when the Observable is subscribed.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return storage.run(requestContextOf(request), () => next.handle());
  }
}
