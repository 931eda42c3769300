import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../domain/idempotency-key';
import { IDEMPOTENT_ATOMIC, IdempotencyInterceptor } from './idempotency.interceptor';

export interface IdempotentOptions {
  /**
   * The handler's work, the key's claim and its stored response commit together, in one
   * transaction and at no extra round trip but one read (docs/idempotency.md, "Atomic routes").
   * Only for handlers that do all their database work through `runInTransaction` (a tenant
   * scope does) and nothing outside it that must not roll back: the transaction holds a pooled
   * connection for the handler's duration, and a write on another connection would neither
   * commit with it nor see its uncommitted rows.
   */
  atomic?: boolean;
}

/**
 * Makes a POST or PATCH handler idempotent under the optional `Idempotency-Key` header
 * (see docs/idempotency.md). Put it on the method, after the route's guards have set
 * `request.user`: the key is scoped to the caller, the method and the concrete path.
 *
 *   @Post()
 *   @Idempotent()
 *   create(@Body() body: CreateProjectDto) { ... }
 */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT_ATOMIC, options.atomic === true),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        `A client-chosen unique key (1–${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters, e.g. a UUID) that makes ` +
        'retries safe. The same key with the same request returns the stored response again with ' +
        '`Idempotent-Replayed: true`; with a different request, 422 `idempotency_key_reused`; while the first ' +
        'request is still running, 409 `idempotency_request_in_progress`. Keys are scoped to the caller and the ' +
        'path and expire after IDEMPOTENCY_TTL_HOURS (default 24).',
      schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[\\x21-\\x7E]+$' },
    }),
    ProblemResponses(409, 422),
  );
}
