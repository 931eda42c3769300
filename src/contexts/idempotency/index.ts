/** Public API of the idempotency context (what other contexts and `app.module.ts` use; tests: `testing.ts`). */
export { IdempotencyModule } from './idempotency.module';
export { Idempotent } from './api/idempotent.decorator';
export { parseIdempotencyConfig } from './idempotency.config';
