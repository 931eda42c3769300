import { type BackoffPolicy, backoffDelay } from './backoff';

export const NOTIFICATION_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * The life of a notification. `pending` waits for its `next_attempt_at`; an instance claims
 * it (`sending`, with a lease); the attempt ends it (`sent`, `failed`) or schedules a retry
 * (`pending`). A `sending` row whose lease ran out (its instance died) is claimed again
 * (`sending` → `sending`). `sent` and `failed` are final.
 */
export const NOTIFICATION_TRANSITIONS: Readonly<Record<NotificationStatus, readonly NotificationStatus[]>> = {
  pending: ['sending'],
  sending: ['sent', 'pending', 'failed', 'sending'],
  sent: [],
  failed: [],
};

export function canTransition(from: NotificationStatus, to: NotificationStatus): boolean {
  return NOTIFICATION_TRANSITIONS[from].includes(to);
}

export function isFinal(status: NotificationStatus): boolean {
  return NOTIFICATION_TRANSITIONS[status].length === 0;
}

export const ATTEMPT_STATUSES = ['sent', 'failed', 'abandoned'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export type FailureReason = 'permanent_error' | 'max_attempts';

/** How one attempt went, as far as the decision needs to know. */
export type AttemptOutcome = { ok: true } | { ok: false; retryable: boolean; retryAfterMs?: number };

export type Decision =
  { status: 'sent' } | { status: 'pending'; nextAttemptAt: Date; delayMs: number } | { status: 'failed'; reason: FailureReason };

export interface DecisionInput {
  /** 1-based number of the attempt that just ended. */
  attempt: number;
  maxAttempts: number;
  outcome: AttemptOutcome;
  now: Date;
  backoff: BackoffPolicy;
  random?: () => number;
}

/**
 * What follows an attempt: `sent`; a retry after an exponential, jittered delay while
 * attempts remain and the failure is transient; else `failed` (the reason says which).
 */
export function decideAfterAttempt(input: DecisionInput): Decision {
  const { outcome } = input;
  if (outcome.ok) return { status: 'sent' };
  if (!outcome.retryable) return { status: 'failed', reason: 'permanent_error' };
  if (input.attempt >= input.maxAttempts) return { status: 'failed', reason: 'max_attempts' };
  const delayMs = backoffDelay(input.attempt, input.backoff, input.random, outcome.retryAfterMs);
  return { status: 'pending', nextAttemptAt: new Date(input.now.getTime() + delayMs), delayMs };
}

/**
 * A claim counts the attempt up front (so a message that kills its instance cannot loop
 * forever). When a reclaimed row's new attempt number is past the maximum, the last
 * attempt was the abandoned one: the row fails without another send.
 */
export function attemptAllowed(attempt: number, maxAttempts: number): boolean {
  return attempt <= maxAttempts;
}
