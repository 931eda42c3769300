import isEmail from 'validator/lib/isEmail';

/** Emails are compared and stored lower-cased and trimmed. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/**
 * Strict email check: a dotted domain with a real TLD, no IP literals, no display names,
 * no quoted or non-ASCII local parts, RFC 5321 lengths (local ≤ 64, total ≤ 254).
 */
export function isValidEmail(email: string): boolean {
  if (email.length > 254) return false;
  const at = email.lastIndexOf('@');
  if (at < 1 || at > 64) return false;
  // Dot-atom local parts only (validator's isEmail always allows quoted ones).
  if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(email.slice(0, at))) return false;
  return isEmail(email, {
    allow_display_name: false,
    require_tld: true,
    allow_ip_domain: false,
    allow_utf8_local_part: false,
    domain_specific_validation: false,
    allow_underscores: false,
    ignore_max_length: false,
  });
}
