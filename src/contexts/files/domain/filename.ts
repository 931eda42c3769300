/**
 * Client file names are metadata only: blobs are stored under their id, never under a name
 * the client chose. What is kept is sanitised so it is safe to show and to offer back in a
 * `Content-Disposition` header. Framework-free.
 */

/** Longest kept name, in UTF-8 bytes (what common file systems allow for one path segment). */
export const MAX_FILENAME_BYTES = 255;

/** What a name that sanitises to nothing (`""`, `..`, `/`, only control characters) becomes. */
export const FALLBACK_FILENAME = 'file';

/**
 * Characters removed outright: C0 and C1 controls and DEL, and the Unicode format characters
 * that change how a name is displayed without being visible (bidi embeddings, overrides and
 * isolates, zero-width characters, the BOM), which spoof names such as `invoice‮fdp.exe`.
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Separators of every common platform: the name keeps only what follows the last one. */
const SEPARATORS = /[/\\]/;

function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Cuts `value` to at most `maxBytes` UTF-8 bytes without splitting a code point. */
function truncateUtf8(value: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const codePoint of value) {
    const size = utf8Length(codePoint);
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += codePoint;
  }
  return out;
}

/**
 * The extension worth keeping when a name must be shortened: a final `.xyz` of at most 16
 * characters, letters and digits only (`.tar.gz` keeps `.gz`, which is enough to recognise it).
 */
function extensionOf(name: string): string {
  const match = /\.[\p{L}\p{N}]{1,16}$/u.exec(name);
  return match && match.index > 0 ? match[0] : '';
}

/**
 * The name as stored: the last path segment only (so `../../etc/passwd` and `C:\x\y.png`
 * keep `passwd` and `y.png`), NFC-normalised, without invisible and control characters,
 * white space collapsed, without leading/trailing dots and blanks (no hidden or `..` names),
 * at most 255 UTF-8 bytes (the extension survives shortening). Never empty.
 */
export function sanitizeFilename(raw: string | undefined | null): string {
  if (!raw) return FALLBACK_FILENAME;
  const cleaned = raw.normalize('NFC').replace(INVISIBLE, '');
  const segment = cleaned.split(SEPARATORS).pop() ?? '';
  const name = segment
    .replace(/\s+/gu, ' ')
    .replace(/^[\s.]+|[\s.]+$/gu, '')
    .trim();
  if (name === '') return FALLBACK_FILENAME;
  if (utf8Length(name) <= MAX_FILENAME_BYTES) return name;
  const extension = extensionOf(name);
  const stem = name.slice(0, name.length - extension.length);
  const kept = truncateUtf8(stem, MAX_FILENAME_BYTES - utf8Length(extension)).replace(/[\s.]+$/u, '');
  return kept === '' ? truncateUtf8(name, MAX_FILENAME_BYTES) : `${kept}${extension}`;
}

/** RFC 8187 `value-chars`: attr-char stays, everything else is percent-encoded UTF-8. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `Content-Disposition: attachment` with the stored name: an ASCII fallback in `filename`
 * (non-ASCII, quotes, backslashes and `%` become `_`) and the exact UTF-8 name in `filename*`
 * (RFC 6266 §4.3, RFC 8187). Browsers that know `filename*` use it.
 */
export function attachmentDisposition(filename: string): string {
  const name = sanitizeFilename(filename);
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/gu, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}
