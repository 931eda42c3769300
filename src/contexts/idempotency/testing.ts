/** What only tests and benchmarks use from the idempotency context. */
export { IdempotencyService } from './idempotency.service';
export { claimStatements, completionStatements, IDEMPOTENCY_LOCK_CLASS } from './infra/atomic-statements';
