/**
 * PII minimisation for audit rows: what an audit row may never hold (passwords, tokens,
 * secrets, full card-like numbers) is removed before the row is hashed and written, and
 * e-mail addresses are masked (`j***@example.com`) unless the address is the row's subject.
 *
 * Two nets, because a payload can carry a secret under any name:
 * - by key: a value under a secret-looking key (`password`, `refresh_token`, `api_key`,
 *   `client_secret`, `totp_code`, `authorization`, `cookie`, ...) becomes `[redacted]`, unless
 *   it is a boolean or null (those only say *whether*, e.g. `generated_password: true`);
 * - by shape, in every string: JWTs, `Bearer …`/`Basic …` credentials, `password=…` style
 *   pairs, long opaque tokens (24+ base64/base64url characters mixing upper case, lower case
 *   and digits), and 13–19 digit card-like numbers (all but the last four digits masked).
 *
 * Strings are also made safe to store and to hash reproducibly: lone surrogates become
 * U+FFFD, control characters (NUL included, which jsonb refuses) are dropped, and length,
 * depth and breadth are capped.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const REDACTED = '[redacted]';
export const TRUNCATED = '[truncated]';

export const LIMITS = {
  /** Longest string kept in metadata (characters, after scrubbing). */
  string: 1000,
  /** Longest input scanned; longer strings are cut first (the scan stays linear and bounded). */
  scan: 10_000,
  depth: 5,
  arrayItems: 100,
  objectKeys: 100,
} as const;

/** Substrings of a normalised key (lower case, letters and digits only) that mark a secret. */
const SECRET_KEY_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'authorization',
  'cookie',
  'credential',
  'recoverycode',
  'backupcode',
  'mfacode',
  'otpcode',
  'verificationcode',
  'cardnumber',
  'securitycode',
  'sessionkey',
  'encryptionkey',
  'signingkey',
];

/** Whole words of a key (split on `_`, `-`, `.` and camelCase) that mark a secret. */
const SECRET_KEY_WORDS = new Set(['pwd', 'pass', 'otp', 'totp', 'hotp', 'pin', 'cvv', 'cvc', 'cvv2', 'pan', 'jwt', 'bearer']);

/**
 * Keys ending in one of these words describe a secret without holding it (`api_key_id`,
 * `token_count`, `key_prefix`, `password_changed_at`): their values are kept (and still
 * scanned by shape).
 */
const DESCRIPTIVE_LAST_WORDS = new Set([
  'id',
  'ids',
  'count',
  'at',
  'type',
  'kind',
  'prefix',
  'last4',
  'hint',
  'length',
  'reason',
]);

function keyWords(key: string): string[] {
  return key
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Whether a metadata key names a secret (its value must not be stored). */
export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.length === 0) return false;
  if (words.length > 1 && DESCRIPTIVE_LAST_WORDS.has(words[words.length - 1])) return false;
  if (words.some((w) => SECRET_KEY_WORDS.has(w))) return true;
  const normalised = words.join('');
  return SECRET_KEY_PARTS.some((part) => normalised.includes(part));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]+/gi;
/** `name=value`, `name: value`, `"name":"value"`: the value is dropped when the name is a secret key. */
const NAMED_VALUE = /([A-Za-z0-9_.-]{1,64})(["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)([^\s"'&,;}]{1,512})/g;
const OPAQUE_TOKEN = /[A-Za-z0-9_+/=-]{24,}/g;
/** A run of 13–19 digits standing on its own: inside a hex digest or an id (letters around it) it is no card. */
const CARD_LIKE = /(?<![\dA-Za-z])\d(?:[ -]?\d){12,18}(?![\dA-Za-z])/g;
// Bounded repetitions only: every pattern here runs in linear time on hostile input.
const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Replaces the value of every `name=value` pair whose name is a secret key. A pair with an
 * innocent name is rescanned from its value, so `url=https://x/?token=abc` still loses `abc`.
 */
function redactNamedValues(text: string): string {
  const re = new RegExp(NAMED_VALUE.source, 'g');
  let out = '';
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const [pair, name, separator] = m;
    if (isSecretKey(name)) {
      out += `${text.slice(last, m.index)}${name}${separator}${REDACTED}`;
      last = m.index + pair.length;
    } else {
      re.lastIndex = m.index + name.length + separator.length;
    }
  }
  return out + text.slice(last);
}

function looksOpaque(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run);
}

/** `jane.doe@example.com` → `j***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return REDACTED;
  return `${email[0]}***${email.slice(at)}`;
}

/** `4111 1111 1111 1111` → `************1111`. */
function maskCard(run: string): string {
  const digits = run.replace(/\D/g, '');
  return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/** Well-formed, printable, bounded text (no secret scrubbing): the form every stored string takes. */
export function safeText(value: string, max: number = LIMITS.string): string {
  // Cut first, then repair: a cut can split a surrogate pair.
  return value.slice(0, LIMITS.scan).replace(CONTROL, '').slice(0, max).replace(LONE_SURROGATE, '\uFFFD');
}

export interface ScrubOptions {
  /** An e-mail address that may stay as it is (the row's subject). */
  keepEmail?: string | null;
  /** Longest result, in characters (default 1000). */
  max?: number;
}

/** Removes secrets and card numbers from free text and masks e-mail addresses. */
export function scrubString(value: string, options: ScrubOptions = {}): string {
  const keep = options.keepEmail?.toLowerCase();
  if (UUID.test(value)) return value;
  let text = safeText(value, LIMITS.scan);
  text = text.replace(JWT, REDACTED).replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  text = redactNamedValues(text);
  text = text.replace(EMAIL, (email) => (keep !== undefined && email.toLowerCase() === keep ? email : maskEmail(email)));
  text = text.replace(OPAQUE_TOKEN, (run) => (looksOpaque(run) ? REDACTED : run)).replace(CARD_LIKE, maskCard);
  return safeText(text, options.max ?? LIMITS.string);
}

function scrubValue(value: unknown, options: ScrubOptions, depth: number): JsonValue | undefined {
  if (value === null || value === undefined) return value === null ? null : undefined;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return scrubString(value.toString(), options);
    case 'string':
      return scrubString(value, options);
    case 'object':
      break;
    default:
      return undefined; // functions, symbols
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= LIMITS.depth) return TRUNCATED;
  if (Array.isArray(value)) {
    return value.slice(0, LIMITS.arrayItems).map((item) => scrubValue(item, options, depth + 1) ?? null);
  }
  return scrubObject(value as Record<string, unknown>, options, depth + 1);
}

function scrubObject(input: Record<string, unknown>, options: ScrubOptions, depth: number): JsonObject {
  const out: JsonObject = {};
  for (const [rawKey, value] of Object.entries(input).slice(0, LIMITS.objectKeys)) {
    const key = safeText(rawKey, 100);
    if (isSecretKey(key)) {
      if (value === null || typeof value === 'boolean') out[key] = value;
      else if (value !== undefined) out[key] = REDACTED;
      continue;
    }
    const cleaned = scrubValue(value, options, depth);
    if (cleaned !== undefined) out[key] = cleaned;
  }
  return out;
}

/** Audit metadata from an event payload: secrets removed, e-mails masked (except `keepEmail`), JSON-safe. */
export function scrubMetadata(payload: Record<string, unknown>, options: ScrubOptions = {}): JsonObject {
  return scrubObject(payload, options, 0);
}
