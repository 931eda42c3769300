import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../../platform/http/problem';
import { ValidationFailedError } from '../../../platform/http/validation';

/**
 * Cookie mode of the token endpoints, for browser clients on Bastion's own origin (the
 * account console): the refresh token travels only in an `HttpOnly` cookie that scripts
 * cannot read, and every request that uses that cookie must prove it comes from a page of
 * this origin (see docs/identity.md, "Cookie mode").
 *
 * - `__Host-bastion_refresh`: the refresh token. `HttpOnly; Secure; SameSite=Strict; Path=/`.
 *   The `__Host-` prefix makes the browser refuse the cookie unless it is `Secure`, has
 *   `Path=/` and no `Domain`, so a sibling subdomain cannot plant or shadow it.
 * - `__Host-bastion_csrf`: the CSRF token, readable by the page's scripts (not `HttpOnly`),
 *   same attributes otherwise. Double submit: the page copies it into `X-CSRF-Token`.
 *   It is derived from the refresh token (`HMAC-SHA-256` under a fixed label), so it rotates
 *   with it and is bound to it: a CSRF cookie from another session never matches.
 * - Every cookie-mode request must carry `Origin` equal to this server's own origin, and
 *   `Sec-Fetch-Site`, when the browser sends it, must be `same-origin`.
 */
export const REFRESH_COOKIE = '__Host-bastion_refresh';
export const CSRF_COOKIE = '__Host-bastion_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Domain separation: the CSRF token is never the stored hash of the refresh token. */
const CSRF_LABEL = 'bastion.refresh-csrf.v1';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,200}$/;

export class CookieModeError extends DomainError {
  static crossSite(): CookieModeError {
    return new CookieModeError(
      'cross_site_request',
      403,
      'Cookie mode accepts only same-origin browser requests (Origin must be this server; Sec-Fetch-Site same-origin).',
    );
  }

  static invalidCsrf(): CookieModeError {
    return new CookieModeError(
      'invalid_csrf_token',
      403,
      `Send the value of the ${CSRF_COOKIE} cookie in the X-CSRF-Token header.`,
    );
  }

  static noRefreshCookie(): CookieModeError {
    return new CookieModeError('invalid_refresh_token', 401, `No usable ${REFRESH_COOKIE} cookie was sent; log in again.`);
  }
}

/** `?cookie=1` (or `true`) selects cookie mode; absent, `0` or `false` the JSON mode. */
export function cookieModeRequested(value: unknown): boolean {
  if (value === undefined || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new ValidationFailedError([{ field: 'cookie', code: 'is_in', message: 'cookie must be 1 or 0' }]);
}

/**
 * The value of one cookie, or `undefined` when it is absent, malformed, or sent more than
 * once (an ambiguous jar is refused rather than guessed at).
 */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    values.push(part.slice(eq + 1).trim());
  }
  if (values.length !== 1 || !TOKEN_SHAPE.test(values[0])) return undefined;
  return values[0];
}

/** The CSRF token that belongs to a refresh token. */
export function csrfTokenFor(refreshToken: string): string {
  return createHmac('sha256', CSRF_LABEL).update(refreshToken).digest('base64url');
}

/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** This server's origin as the browser sees it (`TRUST_PROXY` makes proxies' X-Forwarded-* count). */
export function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`.toLowerCase();
}

/** 403 `cross_site_request` unless the request comes from a page of this origin. */
export function assertSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') throw CookieModeError.crossSite();
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || origin.toLowerCase() !== ownOrigin(request)) throw CookieModeError.crossSite();
}

/**
 * 403 `invalid_csrf_token` unless `X-CSRF-Token` equals the CSRF cookie (double submit) and
 * the token that belongs to this refresh token; both comparisons run in constant time.
 */
export function assertCsrf(request: FastifyRequest, refreshToken: string): void {
  const header = request.headers[CSRF_HEADER];
  const cookie = readCookie(request, CSRF_COOKIE);
  if (typeof header !== 'string' || cookie === undefined) throw CookieModeError.invalidCsrf();
  const matchesCookie = safeEqual(header, cookie);
  const boundToSession = safeEqual(header, csrfTokenFor(refreshToken));
  if (!(matchesCookie && boundToSession)) throw CookieModeError.invalidCsrf();
}

function serialize(name: string, value: string, maxAgeSeconds: number, httpOnly: boolean): string {
  return `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; Secure; SameSite=Strict${httpOnly ? '; HttpOnly' : ''}`;
}

/**
 * Sets both cookies for a freshly issued refresh token and returns its CSRF token. They
 * live as long as an idle session may (each refresh sets them again); the absolute session
 * lifetime is enforced by the server, not by the cookie.
 */
export function setSessionCookies(reply: FastifyReply, refreshToken: string, maxAgeSeconds: number): string {
  const csrf = csrfTokenFor(refreshToken);
  void reply.header('set-cookie', [
    serialize(REFRESH_COOKIE, refreshToken, maxAgeSeconds, true),
    serialize(CSRF_COOKIE, csrf, maxAgeSeconds, false),
  ]);
  void reply.header('cache-control', 'no-store');
  return csrf;
}

/** Expires both cookies (logout, or a refresh cookie that no longer works). */
export function clearSessionCookies(reply: FastifyReply): void {
  void reply.header('set-cookie', [serialize(REFRESH_COOKIE, '', 0, true), serialize(CSRF_COOKIE, '', 0, false)]);
  void reply.header('cache-control', 'no-store');
}
