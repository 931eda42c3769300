import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app';

export const STRONG_PASSWORD = 'correct-horse-battery-staple-42';

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${Date.now().toString(36)}${counter}@example.com`;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

/** A registered user, logged in once. */
export interface Person {
  id: string;
  email: string;
  tokens: Tokens;
}

/** Where a token or refresh request comes from: the client IP (inject's default when absent) and extra headers. */
export interface RequestFrom {
  ip?: string;
  headers?: Record<string, string>;
}

export async function register(
  t: TestApp,
  email: string,
  password = STRONG_PASSWORD,
): Promise<{ id: string; email: string; email_verified: boolean }> {
  const res = await t.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password } });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** POST /api/v1/auth/token with these credentials (email, password, MFA codes); the answer as it comes. */
export function requestToken(
  t: TestApp,
  credentials: Record<string, unknown>,
  from: RequestFrom = {},
): Promise<LightMyRequestResponse> {
  return t.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    payload: credentials,
    ...(from.ip === undefined ? {} : { remoteAddress: from.ip }),
    ...(from.headers === undefined ? {} : { headers: from.headers }),
  });
}

/** POST /api/v1/auth/refresh with this refresh token; the answer as it comes. */
export function requestRefresh(t: TestApp, refreshToken: string, from: RequestFrom = {}): Promise<LightMyRequestResponse> {
  return t.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refresh_token: refreshToken },
    ...(from.ip === undefined ? {} : { remoteAddress: from.ip }),
    ...(from.headers === undefined ? {} : { headers: from.headers }),
  });
}

export async function login(
  t: TestApp,
  email: string,
  password = STRONG_PASSWORD,
  headers: Record<string, string> = {},
): Promise<Tokens> {
  const res = await requestToken(t, { email, password }, { headers });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Registers a new user (a unique email starting with `prefix`) and logs them in once. */
export async function person(t: TestApp, prefix = 'user'): Promise<Person> {
  const email = uniqueEmail(prefix);
  const { id } = await register(t, email);
  return { id, email, tokens: await login(t, email) };
}

export const bearer = (tokens: Pick<Tokens, 'access_token'>): Record<string, string> => ({
  authorization: `Bearer ${tokens.access_token}`,
});

/** Logs an existing user (e.g. the seeded admin) in and reads their id from GET /api/v1/auth/me. */
export async function loginPerson(t: TestApp, email: string, password = STRONG_PASSWORD): Promise<Person> {
  const tokens = await login(t, email, password);
  const me = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens) });
  if (me.statusCode !== 200) throw new Error(`GET /auth/me failed: ${me.statusCode} ${me.body}`);
  return { id: me.json().id, email, tokens };
}

/** POST /api/v1/auth/api-keys as `credentials` (a bearer or an API key); the answer as it comes. */
export function requestApiKey(
  t: TestApp,
  credentials: Record<string, string>,
  payload: { name: string; expires_at?: string },
): Promise<LightMyRequestResponse> {
  return t.inject({ method: 'POST', url: '/api/v1/auth/api-keys', headers: credentials, payload });
}
