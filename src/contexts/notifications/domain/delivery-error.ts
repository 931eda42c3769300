/**
 * What a provider adapter throws when a message did not go out. `retryable` is the whole
 * decision the dispatcher needs: a transient failure (connection refused, timeout, 5xx,
 * throttling, rejected credentials) is retried with backoff and counts against the
 * provider's circuit breaker; a permanent one (the provider refused this message: a 4xx
 * about the request, SMTP 5xx for the recipient) fails the message at once and does not.
 */
export class DeliveryError extends Error {
  constructor(
    /** Short machine-readable cause: `smtp_550`, `http_503`, `timeout`, `network`, `graph_131056`, ... */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    /** The provider asked us to wait this long (`Retry-After`). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }

  static transient(code: string, message: string, retryAfterMs?: number): DeliveryError {
    return new DeliveryError(code, message, true, retryAfterMs);
  }

  static permanent(code: string, message: string): DeliveryError {
    return new DeliveryError(code, message, false);
  }
}

/** Anything an adapter did not classify is treated as transient: a retry is cheaper than a lost notice. */
export function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return DeliveryError.transient('unexpected', message);
}

/** Parses an HTTP `Retry-After` (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
