/** What only tests and benchmarks use from the idempotency context. */
export { IdempotencyService } from './idempotency.service';
