import { DeliveryError, parseRetryAfter } from '../../domain/delivery-error';

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or null when there was none or it was not JSON. */
  body: unknown;
}

/**
 * POSTs a JSON body with a bearer token and reads the answer, within `timeoutMs` for the
 * whole exchange. Redirects are refused (a token is never replayed to another address).
 * A network failure or timeout is a transient `DeliveryError`; any HTTP status is returned.
 */
export async function postJson(
  url: string,
  init: { token: string; body: unknown; headers?: Record<string, string>; timeoutMs: number },
): Promise<JsonResponse> {
  const signal = AbortSignal.timeout(init.timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${init.token}`,
        ...init.headers,
      },
      body: JSON.stringify(init.body),
      redirect: 'error',
      signal,
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: res.status, headers: res.headers, body };
  } catch (error) {
    if (signal.aborted) throw DeliveryError.transient('timeout', `No complete answer within ${init.timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw DeliveryError.transient('network', `Request failed: ${detail}`);
  }
}

/** A short description of an error body, whatever its shape (`{message}`, `{error: {message}}`, `{error: "..."}`). */
export function describeErrorBody(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; error?: unknown; detail?: unknown };
    if (b.error && typeof b.error === 'object' && typeof (b.error as { message?: unknown }).message === 'string')
      return (b.error as { message: string }).message.slice(0, 300);
    for (const value of [b.message, b.detail, b.error]) if (typeof value === 'string') return value.slice(0, 300);
  }
  return 'no error description';
}

/**
 * Sorts a non-2xx answer. 5xx, 408, 425 and 429 are transient (429 honours `Retry-After`).
 * 401 and 403 say our credentials were refused: the same for every message until the
 * configuration is fixed, so they are transient too (and count against the breaker).
 * Every other 4xx refuses this request for good: permanent, never retried.
 */
export function classifyHttpStatus(res: JsonResponse, now: Date): DeliveryError {
  const code = `http_${res.status}`;
  const message = `HTTP ${res.status}: ${describeErrorBody(res.body)}`;
  const s = res.status;
  if (s >= 500 || s === 408 || s === 425 || s === 429 || s === 401 || s === 403 || s < 400) {
    return DeliveryError.transient(code, message, parseRetryAfter(res.headers.get('retry-after'), now));
  }
  return DeliveryError.permanent(code, message);
}
