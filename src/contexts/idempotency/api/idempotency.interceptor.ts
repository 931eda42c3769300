import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, lastValueFrom, type Observable, throwError } from 'rxjs';
import { PROBLEM_CONTENT_TYPE } from '../../../platform/http/problem';
import { ProblemDetailsFilter } from '../../../platform/http/problem-details.filter';
import { ValidationFailedError } from '../../../platform/http/validation';
import { isFinalOutcome, replayableHeaders } from '../domain/decision';
import { actingHeaders, conditionalHeaders, requestFingerprint, scopeHash } from '../domain/fingerprint';
import { checkIdempotencyKey, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from '../domain/idempotency-key';
import { IdempotencyError } from '../domain/idempotency.errors';
import {
  type HandlerOutcome,
  type IdempotencyClaim,
  type IdempotentRequest,
  IdempotencyService,
  type StoredResponse,
} from '../idempotency.service';

type IdempotentHttpRequest = FastifyRequest & { user?: { id: string } };

const IDEMPOTENT_METHODS = new Set(['POST', 'PATCH']);

/** Route metadata: the handler runs in the atomic mode (`@Idempotent({ atomic: true })`). */
export const IDEMPOTENT_ATOMIC = 'bastion:idempotent-atomic';

/**
 * Applied by `@Idempotent()`. For POST and PATCH with an `Idempotency-Key` header: the first
 * request runs the handler and its final response is stored; the same request again gets
 * that response with `Idempotent-Replayed: true`; another request under the same key gets
 * 422, and one that arrives while the first is still running gets 409.
 *
 * Runs after the guards, so `request.user` (when the route authenticates) scopes the key.
 * On `@Idempotent({ atomic: true })` routes the handler, the key's claim and its stored response
 * share one transaction (IdempotencyService.runAtomically).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  /** The same mapping the global filter applies, so a stored error is what the client saw. */
  private readonly problems = new ProblemDetailsFilter();

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
  ) {}

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
    const atomic = this.reflector.get<boolean | undefined>(IDEMPOTENT_ATOMIC, context.getHandler()) === true;
    return defer(() =>
      atomic ? this.runAtomically(request, reply, check.key, next) : this.run(request, reply, check.key, next),
    );
  }

  private async run(request: IdempotentHttpRequest, reply: FastifyReply, key: string, next: CallHandler): Promise<unknown> {
    const begun = await this.idempotency.begin(idempotentRequest(request, key));
    if (begun.kind === 'replay') return replay(reply, begun.response);

    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      await this.settle(begun.claim, this.failureResponse(error, request));
      throw error;
    }
    await this.settle(begun.claim, this.successResponse(reply, body));
    return body;
  }

  private async runAtomically(
    request: IdempotentHttpRequest,
    reply: FastifyReply,
    key: string,
    next: CallHandler,
  ): Promise<unknown> {
    const result = await this.idempotency.runAtomically(
      idempotentRequest(request, key),
      async (): Promise<HandlerOutcome<unknown>> => {
        try {
          const value: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
          return { ok: true, value, response: this.successResponse(reply, value) };
        } catch (error) {
          return { ok: false, error, response: this.failureResponse(error, request) };
        }
      },
    );
    if (result.kind === 'replay') return replay(reply, result.response);
    if (!result.outcome.ok) throw result.outcome.error;
    return result.outcome.value;
  }

  /** What a handler's answer stores for the key: null when it is not final or cannot be stored. */
  private successResponse(reply: FastifyReply, body: unknown): StoredResponse | null {
    const serialised = reply.sent ? undefined : serialise(body);
    if (!serialised) {
      this.logger.warn('An @Idempotent() handler sent a response that cannot be stored; its key is released');
      return null;
    }
    if (!isFinalOutcome(reply.statusCode)) return null;
    const headers = replayableHeaders(reply.getHeaders());
    if (serialised.contentType) headers['content-type'] ??= serialised.contentType;
    return { status: reply.statusCode, headers, body: serialised.body };
  }

  /** What a handler's error stores for the key: null when it is not final. */
  private failureResponse(error: unknown, request: FastifyRequest): StoredResponse | null {
    // The request was refused before the handler ran: nothing happened that a retry could repeat.
    if (error instanceof ValidationFailedError) return null;
    const { body, headers } = this.problems.map(error, String(request.id), request.url);
    if (!isFinalOutcome(body.status)) return null;
    return {
      status: body.status,
      headers: { ...replayableHeaders(headers ?? {}), 'content-type': PROBLEM_CONTENT_TYPE },
      body: JSON.stringify(body),
    };
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

/** The key, its scope (the caller, the method and the concrete path) and the request's fingerprint. */
function idempotentRequest(request: IdempotentHttpRequest, key: string): IdempotentRequest {
  return {
    scopeHash: scopeHash({
      userId: request.user?.id ?? null,
      ip: request.ip ?? null,
      method: request.method,
      path: request.url,
      acting: actingHeaders(request.headers),
    }),
    key,
    fingerprint: requestFingerprint(request.body, request.query, conditionalHeaders(request.headers)),
  };
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
