import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted (by code unit, at every depth), no whitespace, values
 * otherwise exactly as `JSON.stringify` writes them (`undefined` members dropped, `toJSON`
 * honoured). Two bodies that differ only in key order or formatting are the same request.
 */
export function canonicalJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const source = v as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) sorted[key] = source[key];
    return sorted;
  }) as string | undefined;
  // `undefined` (or a function) on its own has no JSON form; it is the same as no body.
  return json ?? 'null';
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Request headers that change what a write means: its preconditions. A PATCH retried with
 * another `If-Match` is another request, not a replay of the first one's 200 or 412.
 */
export const FINGERPRINTED_HEADERS: readonly string[] = ['if-match', 'if-none-match', 'if-unmodified-since'];

/** The fingerprinted headers a request carries (names lower-case, as Node delivers them). */
export function conditionalHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const picked: Record<string, string | string[]> = {};
  for (const name of FINGERPRINTED_HEADERS) {
    const value = headers[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/**
 * What identifies "the same request" under one key: the canonical body, the canonical
 * query and the preconditions. The query is part of the route's input even though it is
 * not part of the scope, so `?dry_run=true` and `?dry_run=false` under one key are a
 * mismatch, not a replay.
 */
export function requestFingerprint(body: unknown, query: unknown = {}, headers: Record<string, unknown> = {}): string {
  return sha256(canonicalJson({ body: body ?? null, query: query ?? {}, headers }));
}

export interface ScopeParts {
  /** The authenticated user's id, or null for an anonymous request. */
  userId: string | null;
  /** The client IP, used to tell anonymous callers apart. */
  ip: string | null;
  method: string;
  /** The concrete path, without the query string. */
  path: string;
  /** Where the request acts, as its scoping headers say (`scopingHeaders`); none: where the caller acts by default. */
  acting?: Record<string, string>;
}

/**
 * Request headers that choose where a request acts: `X-Tenant-Id` picks the tenant a
 * tenant-owned write goes to. They are part of the key's scope, so one key sent to two tenants
 * is two keys (before, the second tenant got the first one's response replayed and nothing
 * written). Compared as UUIDs are: trimmed, case-insensitive.
 */
export const SCOPING_HEADERS: readonly string[] = ['x-tenant-id'];

/** The scoping headers a request carries, normalised; empty ones count as absent. */
export function actingHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of SCOPING_HEADERS) {
    const raw = headers[name];
    const value = (Array.isArray(raw) ? raw.join(',') : raw)?.trim().toLowerCase();
    if (value) picked[name] = value;
  }
  return picked;
}

/** Who is calling: the user, or for anonymous requests a marker derived from the client IP. */
export function callerOf(parts: Pick<ScopeParts, 'userId' | 'ip'>): string {
  return parts.userId ? `user:${parts.userId}` : `anon:${parts.ip ?? 'unknown'}`;
}

/** The path without its query string (`/projects/a?x=1` -> `/projects/a`). */
export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/**
 * The key's scope, (caller, method, concrete path, where it acts), as a SHA-256: the table never
 * holds a user id or an IP address, only this hash. A request without scoping headers hashes as
 * before they were part of the scope, so keys stored earlier still replay.
 */
export function scopeHash(parts: ScopeParts): string {
  const acting = Object.entries(parts.acting ?? {}).map(([name, value]) => `${name}:${value}`);
  return sha256([callerOf(parts), parts.method.toUpperCase(), pathOf(parts.path), ...acting].join('\n'));
}
