import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { ifNoneMatchSatisfied, strongEtag } from './etag';
import { isOperationsPath } from './operations-path';

/**
 * For every successful GET that returns a JSON body (probes and metrics aside): a strong
 * ETag, and `304` with no body when `If-None-Match` matches. Lists (bodies with `items`) get
 * `Cache-Control: private, no-cache`.
 */
@Injectable()
export class EtagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if ((request.method !== 'GET' && request.method !== 'HEAD') || isOperationsPath(request.url)) return next.handle();
    return next.handle().pipe(
      map((body: unknown) => {
        if (
          body === undefined ||
          body === null ||
          reply.statusCode !== 200 ||
          typeof body !== 'object' ||
          Buffer.isBuffer(body)
        ) {
          return body;
        }
        const etag = strongEtag(body);
        void reply.header('etag', etag);
        if (Array.isArray((body as { items?: unknown }).items)) void reply.header('cache-control', 'private, no-cache');
        if (ifNoneMatchSatisfied(request.headers['if-none-match'], etag)) {
          void reply.status(304);
          return undefined;
        }
        return body;
      }),
    );
  }
}
