/**
 * What to do with a request that carries an idempotency key, given the row stored for its
 * (scope, key), if any. Pure: the service loads the row and applies the decision; the
 * unique index on (scope_hash, key) makes "no row yet" a race only one request can win.
 */
export type IdempotencyStatus = 'in_progress' | 'completed';

export interface StoredAttempt {
  fingerprint: string;
  status: IdempotencyStatus;
  /** When the current attempt started (first request, or the last take-over). */
  lockedAt: Date;
  expiresAt: Date;
}

export type IdempotencyDecision =
  /** No live row: run the handler (the caller has just inserted the row). */
  | { kind: 'new' }
  /** Same request, finished before: send the stored response again. */
  | { kind: 'replay' }
  /** Same key, different request: 422. */
  | { kind: 'mismatch' }
  /** Same request, still running elsewhere: 409. */
  | { kind: 'in_progress' }
  /**
   * The row is dead: expired (any status), or an attempt that has held the lock longer
   * than the lock timeout (its process crashed or hung). Claim it and run the handler.
   */
  | { kind: 'take_over'; reason: 'expired' | 'abandoned' };

export interface DecisionInput {
  stored: StoredAttempt | null;
  fingerprint: string;
  now: Date;
  lockTimeoutMs: number;
}

export function decideIdempotency({ stored, fingerprint, now, lockTimeoutMs }: DecisionInput): IdempotencyDecision {
  if (!stored) return { kind: 'new' };
  // An expired key is forgotten, whether or not the cleanup job has deleted it yet.
  if (now.getTime() >= stored.expiresAt.getTime()) return { kind: 'take_over', reason: 'expired' };
  if (stored.fingerprint !== fingerprint) return { kind: 'mismatch' };
  if (stored.status === 'completed') return { kind: 'replay' };
  if (now.getTime() - stored.lockedAt.getTime() >= lockTimeoutMs) return { kind: 'take_over', reason: 'abandoned' };
  return { kind: 'in_progress' };
}

/**
 * Whether a finished attempt is the key's final answer. Server errors (5xx) and "try again
 * later" answers (408, 429) are not: the row is deleted so the client can retry with the
 * same key. Every other status, success or client error, is stored and replayed.
 */
export function isFinalOutcome(status: number): boolean {
  if (status >= 500) return false;
  return status !== 408 && status !== 429;
}

/** The response headers worth replaying; everything else (request id, cookies, rate limits) is per request. */
export const REPLAYED_HEADERS: readonly string[] = [
  'content-type',
  'content-language',
  'content-location',
  'etag',
  'last-modified',
  'link',
  'location',
];

/** Picks the replayable headers out of a response's headers, lower-cased, values as strings. */
export function replayableHeaders(headers: Record<string, unknown>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!REPLAYED_HEADERS.includes(lower)) continue;
    const text = Array.isArray(value) ? value.map(headerText).join(', ') : headerText(value);
    if (text) picked[lower] = text;
  }
  return picked;
}

function headerText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}
