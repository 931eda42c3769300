import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import {
  assertCsrf,
  assertSameOrigin,
  CookieModeError,
  cookieModeRequested,
  CSRF_COOKIE,
  csrfTokenFor,
  readCookie,
  REFRESH_COOKIE,
  safeEqual,
} from './refresh-cookie';

const TOKEN = 'PCYCKpiRdYnQgr9HVQYNWsSJqjgrDUdOpt8GZBn4w8A';

function request(headers: Record<string, string>, protocol = 'https', host = 'bastion.example.com'): FastifyRequest {
  return { headers, protocol, host } as unknown as FastifyRequest;
}

const code = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof CookieModeError ? error.code : 'other';
  }
};

describe('cookie mode helpers', () => {
  it('reads the cookie flag: 1/true on, absent/0/false off, anything else is a 400', () => {
    expect([undefined, '0', 'false'].map(cookieModeRequested)).toEqual([false, false, false]);
    expect(['1', 'true'].map(cookieModeRequested)).toEqual([true, true]);
    for (const odd of ['yes', '', ['1', '1']]) expect(() => cookieModeRequested(odd)).toThrow('invalid fields');
  });

  it('reads one cookie, and refuses a missing, malformed or repeated one', () => {
    const read = (cookie: string): string | undefined => readCookie(request({ cookie }), REFRESH_COOKIE);
    expect(read(`a=b; ${REFRESH_COOKIE}=${TOKEN}; c=d`)).toBe(TOKEN);
    expect(read(`${REFRESH_COOKIE}=${TOKEN}`)).toBe(TOKEN);
    expect(read('a=b')).toBeUndefined();
    expect(read(`x${REFRESH_COOKIE}=${TOKEN}`)).toBeUndefined();
    expect(read(`${REFRESH_COOKIE}=`)).toBeUndefined();
    expect(read(`${REFRESH_COOKIE}="${TOKEN}"`)).toBeUndefined();
    expect(read(`${REFRESH_COOKIE}=${TOKEN}; ${REFRESH_COOKIE}=${TOKEN}x`)).toBeUndefined();
    expect(readCookie(request({}), REFRESH_COOKIE)).toBeUndefined();
  });

  it('derives a CSRF token per refresh token that is not the token, nor its stored SHA-256', () => {
    const csrf = csrfTokenFor(TOKEN);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf).toBe(csrfTokenFor(TOKEN));
    expect(csrf).not.toBe(csrfTokenFor(`${TOKEN.slice(1)}A`));
    expect(csrf).not.toContain(TOKEN);
    const sha = createHash('sha256').update(TOKEN).digest();
    expect([sha.toString('hex'), sha.toString('base64url')]).not.toContain(csrf);
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
  });

  it('accepts only requests whose Origin is this server and whose Sec-Fetch-Site is same-origin when sent', () => {
    const origin = 'https://bastion.example.com';
    expect(code(() => assertSameOrigin(request({ origin })))).toBeUndefined();
    expect(code(() => assertSameOrigin(request({ origin: 'HTTPS://Bastion.Example.com' })))).toBeUndefined();
    expect(code(() => assertSameOrigin(request({ origin, 'sec-fetch-site': 'same-origin' })))).toBeUndefined();
    expect(code(() => assertSameOrigin(request({ origin: 'http://localhost:3000' }, 'http', 'localhost:3000')))).toBeUndefined();
    const refused: Record<string, string>[] = [
      {},
      { origin: 'null' },
      { origin: 'http://bastion.example.com' },
      { origin: 'https://bastion.example.com:8443' },
      { origin: 'https://evil.example.net' },
      { origin, 'sec-fetch-site': 'same-site' },
      { origin, 'sec-fetch-site': 'none' },
    ];
    for (const headers of refused) {
      expect([headers, code(() => assertSameOrigin(request(headers)))]).toEqual([headers, 'cross_site_request']);
    }
  });

  it('accepts the CSRF header only when it equals the cookie and belongs to the refresh token', () => {
    const csrf = csrfTokenFor(TOKEN);
    const other = csrfTokenFor('another-refresh-token-value');
    const check = (header: string | undefined, cookie: string | undefined): string | undefined =>
      code(() =>
        assertCsrf(
          request({
            ...(header === undefined ? {} : { 'x-csrf-token': header }),
            ...(cookie === undefined ? {} : { cookie: `${CSRF_COOKIE}=${cookie}` }),
          }),
          TOKEN,
        ),
      );
    expect(check(csrf, csrf)).toBeUndefined();
    expect(check(undefined, csrf)).toBe('invalid_csrf_token');
    expect(check(csrf, undefined)).toBe('invalid_csrf_token');
    expect(check(csrf, other)).toBe('invalid_csrf_token');
    expect(check(other, other)).toBe('invalid_csrf_token'); // double submit alone is not enough
    expect(check(`${csrf} `, csrf)).toBe('invalid_csrf_token');
  });
});
