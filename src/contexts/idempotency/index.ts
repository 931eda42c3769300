/** Public API of the idempotency context. */
export { IdempotencyModule } from './idempotency.module';
export { Idempotent } from './api/idempotent.decorator';
export { IdempotencyService } from './idempotency.service';
export { idempotencyConfig, type IdempotencyConfig, parseIdempotencyConfig } from './idempotency.config';
export { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from './domain/idempotency-key';
