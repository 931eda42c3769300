import { isUtf8 } from 'node:buffer';

/**
 * Which content type an upload really has, from its bytes, and whether it may be stored.
 * Binary formats are recognised by their signatures (an injected detector, `file-type` in
 * production); what no signature matches is plain text only if every byte is valid UTF-8 with
 * no binary control bytes, and it does not open like markup a browser would render.
 * Framework-free.
 */

export const TEXT_PLAIN = 'text/plain';
export const OCTET_STREAM = 'application/octet-stream';

/** How many leading bytes the signature detector needs (file-type's `reasonableDetectionSizeInBytes`). */
export const SAMPLE_BYTES = 4100;

/** `Image/PNG; charset=x` → `image/png`; blank or malformed → undefined. */
export function normaliseMediaType(value: string | undefined | null): string | undefined {
  if (!value) return undefined;
  const essence = value.split(';')[0].trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(essence) ? essence : undefined;
}

/**
 * WHATWG "binary data bytes" (MIME Sniffing §7.2): controls other than TAB, LF, FF, CR and ESC.
 * A file containing one is not text, whatever else it is.
 */
function isBinaryByte(byte: number): boolean {
  return byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f);
}

export function hasBinaryBytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (isBinaryByte(bytes[i])) return true;
  return false;
}

/**
 * Markup that a browser sniffing "unknown" content would render (WHATWG MIME Sniffing §7.1,
 * the HTML and XML rows), plus SVG. Matched case-insensitively after leading white space (and
 * a UTF-8 BOM); the tag patterns must end in a space or `>`.
 */
const HTML_TAGS = [
  '<!doctype html',
  '<html',
  '<head',
  '<script',
  '<iframe',
  '<h1',
  '<div',
  '<font',
  '<table',
  '<a',
  '<style',
  '<title',
  '<b',
  '<body',
  '<br',
  '<p',
  '<!--',
];

export function sniffMarkup(sample: Uint8Array): 'text/html' | 'text/xml' | 'image/svg+xml' | undefined {
  let start = 0;
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) start = 3;
  while (start < sample.length && [0x09, 0x0a, 0x0c, 0x0d, 0x20].includes(sample[start])) start++;
  const head = Buffer.from(sample.subarray(start, start + 32))
    .toString('latin1')
    .toLowerCase();
  for (const tag of HTML_TAGS) {
    if (!head.startsWith(tag)) continue;
    const next = head.charAt(tag.length);
    if (next === ' ' || next === '>') return 'text/html';
  }
  if (head.startsWith('<?xml')) return 'text/xml';
  if (/^<svg[\s>]/.test(head)) return 'image/svg+xml';
  return undefined;
}

/**
 * How many bytes at the end of `bytes` may be the start of a UTF-8 sequence cut by a chunk
 * boundary (0–3): they are checked together with the next chunk.
 */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/**
 * Streaming plain-text check: fed chunk by chunk, it says whether everything so far is valid
 * UTF-8 without binary bytes. Once it fails it stays failed (and stops looking).
 */
export class TextCheck {
  private carry: Uint8Array = new Uint8Array(0);
  private ok = true;

  get isText(): boolean {
    return this.ok;
  }

  push(chunk: Uint8Array): boolean {
    if (!this.ok) return false;
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const tail = incompleteTail(bytes);
    const whole = bytes.subarray(0, bytes.length - tail);
    if (hasBinaryBytes(whole) || !isUtf8(whole)) this.ok = false;
    this.carry = Uint8Array.from(bytes.subarray(bytes.length - tail));
    return this.ok;
  }

  /** The end of the file: a sequence still cut off there is invalid. */
  finish(): boolean {
    if (this.carry.length > 0) this.ok = false;
    return this.ok;
  }
}

/**
 * The type of content that no signature matched, from its first bytes: markup, else text
 * while the bytes are text, else octet-stream. `isText` is the streaming check so far.
 */
export function classifyUnsigned(sample: Uint8Array, isText: boolean): string {
  if (!isText) return OCTET_STREAM;
  return sniffMarkup(sample) ?? TEXT_PLAIN;
}

/**
 * Declared types that name the same content as a detected one. A declared type that is only a
 * variant of the detected one is not a disagreement (`image/jpg` for a JPEG, `image/png` for an
 * animated PNG, `text/csv` or `text/markdown` for plain text).
 */
const EQUIVALENT_DECLARATIONS: Record<string, readonly string[]> = {
  'image/jpeg': ['image/jpg', 'image/pjpeg'],
  'image/apng': ['image/png'],
  'image/png': ['image/x-png'],
  'image/bmp': ['image/x-bmp', 'image/x-ms-bmp'],
  'application/pdf': ['application/x-pdf'],
  'text/plain': ['text/csv', 'text/markdown', 'text/x-markdown', 'text/tab-separated-values'],
};

/**
 * Whether the client's declared type says something about the content: absent and
 * `application/octet-stream` (the generic "some bytes" that browsers and curl send for an
 * unknown extension) do not, so they never disagree.
 */
export function isInformative(declared: string | undefined): declared is string {
  return declared !== undefined && declared !== OCTET_STREAM;
}

export function declarationMatches(declared: string | undefined, detected: string): boolean {
  if (!isInformative(declared)) return true;
  return declared === detected || (EQUIVALENT_DECLARATIONS[detected]?.includes(declared) ?? false);
}

export type TypeDecision =
  | { allowed: true; contentType: string }
  | { allowed: false; reason: 'not_allowed' | 'declared_mismatch'; detected: string; declared: string | undefined };

/**
 * The decision for detected content: refused when its type is not on the allowlist, or when
 * the client declared a different type (a renamed executable sent as `image/png`); else stored
 * with the detected type, never the declared one.
 */
export function decideType(input: {
  detected: string;
  declared: string | undefined;
  allowed: ReadonlySet<string>;
}): TypeDecision {
  const { detected, declared, allowed } = input;
  if (!allowed.has(detected)) return { allowed: false, reason: 'not_allowed', detected, declared };
  if (!declarationMatches(declared, detected)) return { allowed: false, reason: 'declared_mismatch', detected, declared };
  return { allowed: true, contentType: detected };
}
