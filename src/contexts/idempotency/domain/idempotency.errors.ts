import { DomainError } from '../../../platform/http/problem';
import { IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH, type KeyCheck } from './idempotency-key';

const KEY_PROBLEMS: Record<Extract<KeyCheck, { valid: false }>['reason'], string> = {
  empty: 'The Idempotency-Key header is empty.',
  too_long: `The Idempotency-Key header is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`,
  invalid_characters: 'The Idempotency-Key header may contain only visible ASCII characters (no spaces or control characters).',
  repeated: 'Send one Idempotency-Key header, not several.',
};

export class IdempotencyError extends DomainError {
  static invalidKey(reason: Extract<KeyCheck, { valid: false }>['reason']): IdempotencyError {
    return new IdempotencyError('invalid_idempotency_key', 400, KEY_PROBLEMS[reason], {
      errors: [{ field: IDEMPOTENCY_KEY_HEADER, code: reason, message: KEY_PROBLEMS[reason] }],
    });
  }

  static keyReused(): IdempotencyError {
    return new IdempotencyError(
      'idempotency_key_reused',
      422,
      'This Idempotency-Key was already used with a different request; use a new key for a new request.',
    );
  }

  static inProgress(): IdempotencyError {
    return new IdempotencyError(
      'idempotency_request_in_progress',
      409,
      'A request with this Idempotency-Key is still being processed; retry after it has finished.',
      { headers: { 'retry-after': '1' } },
    );
  }
}
