import { createHash } from 'node:crypto';

/** A strong ETag over the JSON representation of a value. */
export function strongEtag(value: unknown): string {
  const body = typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value);
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

function tags(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2). */
export function ifNoneMatchSatisfied(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return tags(header).some((tag) => tag === '*' || opaque(tag) === opaque(etag));
}

/** `If-Match` uses the strong comparison (RFC 9110 §13.1.1); weak tags never match. */
export function ifMatchSatisfied(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  return tags(header).some((tag) => tag === '*' || (!tag.startsWith('W/') && tag === etag));
}
