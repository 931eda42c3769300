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

export async function register(t: TestApp, email: string, password = STRONG_PASSWORD): Promise<{ id: string; email: string }> {
  const res = await t.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password } });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function login(
  t: TestApp,
  email: string,
  password = STRONG_PASSWORD,
  headers: Record<string, string> = {},
): Promise<Tokens> {
  const res = await t.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password }, headers });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export const bearer = (tokens: Pick<Tokens, 'access_token'>): Record<string, string> => ({
  authorization: `Bearer ${tokens.access_token}`,
});
