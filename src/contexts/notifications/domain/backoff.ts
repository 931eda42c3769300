export interface BackoffPolicy {
  /** Delay before the second attempt (the ceiling of the first retry's window). */
  baseMs: number;
  /** No retry waits longer than this. */
  maxMs: number;
}

/**
 * The ceiling of the wait after attempt `attempt` (1-based) failed: `base · 2^(attempt-1)`,
 * capped at `max`.
 */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 52));
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

/**
 * "Equal jitter": a delay drawn uniformly from `[ceiling/2, ceiling]`. Half is fixed, so the
 * wait still grows with every attempt; half is random, so instances that failed together
 * (a provider outage) do not all come back in the same instant. `random` returns [0, 1).
 * A provider's `Retry-After` raises the delay (never above `max`), it never shortens it.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const ceiling = backoffCeiling(attempt, policy);
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  const floor = retryAfterMs !== undefined && retryAfterMs > 0 ? Math.min(retryAfterMs, policy.maxMs) : 0;
  return Math.max(jittered, floor);
}
