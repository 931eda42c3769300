import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, lastValueFrom, type Observable, throwError } from 'rxjs';
import { PROBLEM_CONTENT_TYPE } from '../../../platform/http/problem';
import { ProblemDetailsFilter } from '../../../platform/http/problem-details.filter';
import { ValidationFailedError } from '../../../platform/http/validation';
import { isFinalOutcome, replayableHeaders } from '../domain/decision';
import { conditionalHeaders, requestFingerprint, scopeHash } from '../domain/fingerprint';
import { checkIdempotencyKey, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from '../domain/idempotency-key';
import { IdempotencyError } from '../domain/idempotency.errors';
import { type IdempotencyClaim, IdempotencyService, type StoredResponse } from '../idempotency.service';

type IdempotentHttpRequest = FastifyRequest & { user?: { id: string } };

const IDEMPOTENT_METHODS = new Set(['POST', 'PATCH']);

/**
 * Applied by `@Idempotent()`. For POST and PATCH with an `Idempotency-Key` header: the first
 * request runs the handler and its final response is stored; the same request again gets
 * that response with `Idempotent-Replayed: true`; another request under the same key gets
 * 422, and one that arrives while the first is still running gets 409.
 *
 * Runs after the guards, so `request.user` (when the route authenticates) scopes the key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  /** The same mapping the global filter applies, so a stored error is what the client saw. */
  private readonly problems = new ProblemDetailsFilter();

  constructor(private readonly idempotency: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<IdempotentHttpRequest>();
    if (!IDEMPOTENT_METHODS.has(request.method)) return next.handle();
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (header === undefined) return next.handle();
    const check = checkIdempotencyKey(header);
    if (!check.valid) return throwError(() => IdempotencyError.invalidKey(check.reason));
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    // A promise, not a cancellable stream: once the handler has run, its outcome is recorded
    // even if the client has gone away meanwhile.
    return defer(() => this.run(request, reply, check.key, next));
  }

  private async run(request: IdempotentHttpRequest, reply: FastifyReply, key: string, next: CallHandler): Promise<unknown> {
    const begun = await this.idempotency.begin({
      scopeHash: scopeHash({
        userId: request.user?.id ?? null,
        ip: request.ip ?? null,
        method: request.method,
        path: request.url,
      }),
      key,
      fingerprint: requestFingerprint(request.body, request.query, conditionalHeaders(request.headers)),
    });
    if (begun.kind === 'replay') return replay(reply, begun.response);

    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      await this.settleFailure(begun.claim, error, request);
      throw error;
    }
    await this.settleSuccess(begun.claim, reply, body);
    return body;
  }

  private async settleSuccess(claim: IdempotencyClaim, reply: FastifyReply, body: unknown): Promise<void> {
    const serialised = reply.sent ? undefined : serialise(body);
    if (!serialised || !isFinalOutcome(reply.statusCode)) {
      if (!serialised) this.logger.warn('An @Idempotent() handler sent a response that cannot be stored; its key is released');
      await this.settle(claim, null);
      return;
    }
    const headers = replayableHeaders(reply.getHeaders());
    if (serialised.contentType) headers['content-type'] ??= serialised.contentType;
    await this.settle(claim, { status: reply.statusCode, headers, body: serialised.body });
  }

  private async settleFailure(claim: IdempotencyClaim, error: unknown, request: FastifyRequest): Promise<void> {
    // The request was refused before the handler ran: nothing happened that a retry could repeat.
    if (error instanceof ValidationFailedError) return this.settle(claim, null);
    const { body, headers } = this.problems.map(error, String(request.id), request.url);
    if (!isFinalOutcome(body.status)) return this.settle(claim, null);
    await this.settle(claim, {
      status: body.status,
      headers: { ...replayableHeaders(headers ?? {}), 'content-type': PROBLEM_CONTENT_TYPE },
      body: JSON.stringify(body),
    });
  }

  /** Completes (with a response) or releases (null) the claim; a storage failure never fails the request. */
  private async settle(claim: IdempotencyClaim, response: StoredResponse | null): Promise<void> {
    try {
      const owned = response ? await this.idempotency.complete(claim, response) : await this.idempotency.release(claim);
      if (!owned) {
        this.logger.warn(
          { idempotency_row_id: claim.id },
          'Idempotency key was taken over while this attempt ran (it outlived the lock timeout); its outcome is not stored',
        );
      }
    } catch (error) {
      this.logger.error({ err: error, idempotency_row_id: claim.id }, 'Could not record the outcome of an idempotent request');
    }
  }
}

/** Sends a stored response again: its status, headers and body, marked as a replay. */
function replay(reply: FastifyReply, stored: StoredResponse): string | undefined {
  void reply.status(stored.status);
  for (const [name, value] of Object.entries(stored.headers)) void reply.header(name, value);
  void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
  return stored.body ?? undefined;
}

/**
 * The body as Fastify will send it: strings as they are, everything else through
 * `JSON.stringify` (Fastify's default serialiser). Binary bodies and streams are not stored.
 */
function serialise(body: unknown): { body: string | null; contentType: string | undefined } | undefined {
  if (body === undefined) return { body: null, contentType: undefined };
  if (typeof body === 'string') return { body, contentType: 'text/plain; charset=utf-8' };
  if (isBinary(body)) return undefined;
  return { body: JSON.stringify(body), contentType: 'application/json; charset=utf-8' };
}

function isBinary(body: unknown): boolean {
  if (body === null || typeof body !== 'object') return false;
  if (body instanceof StreamableFile || Buffer.isBuffer(body) || ArrayBuffer.isView(body) || body instanceof ArrayBuffer)
    return true;
  const candidate = body as { pipe?: unknown; getReader?: unknown };
  return typeof candidate.pipe === 'function' || typeof candidate.getReader === 'function';
}
