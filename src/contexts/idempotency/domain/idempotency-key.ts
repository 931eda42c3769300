/**
 * The `Idempotency-Key` request header: 1–255 visible ASCII characters (VCHAR, %x21-7E).
 * Anything else (empty, too long, spaces, control or non-ASCII characters, several keys
 * joined by a proxy) is refused with 400 rather than guessed at.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

export type KeyCheck =
  { valid: true; key: string } | { valid: false; reason: 'empty' | 'too_long' | 'invalid_characters' | 'repeated' };

/** Checks a header value as Node hands it over (a string, or an array for a repeated header). */
export function checkIdempotencyKey(value: string | string[]): KeyCheck {
  if (Array.isArray(value)) return { valid: false, reason: 'repeated' };
  if (value.length === 0) return { valid: false, reason: 'empty' };
  if (value.length > MAX_IDEMPOTENCY_KEY_LENGTH) return { valid: false, reason: 'too_long' };
  if (!VISIBLE_ASCII.test(value)) return { valid: false, reason: 'invalid_characters' };
  return { valid: true, key: value };
}
