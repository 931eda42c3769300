import { generateSync } from 'otplib';
import type { TestApp } from './app';
import { bearer, type Tokens } from './auth';

/** The TOTP code of `secret` at `ms` (the server's clock: move it to get a new time step). */
export const totpAt = (secret: string, ms: number): string => generateSync({ secret, epoch: Math.floor(ms / 1000) });

/**
 * Turns TOTP two-factor authentication on for `tokens`' user through the API (enrol, then
 * activate with the code of `now`, the server's current time); its secret and recovery codes.
 */
export async function enableTotp(
  t: TestApp,
  tokens: Pick<Tokens, 'access_token'>,
  now = Date.now(),
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enroll = await t.inject({ method: 'POST', url: '/api/v1/auth/mfa/totp/enroll', headers: bearer(tokens) });
  if (enroll.statusCode !== 200) throw new Error(`enroll failed: ${enroll.statusCode} ${enroll.body}`);
  const { secret } = enroll.json<{ secret: string }>();
  const activate = await t.inject({
    method: 'POST',
    url: '/api/v1/auth/mfa/totp/activate',
    headers: bearer(tokens),
    payload: { code: totpAt(secret, now) },
  });
  if (activate.statusCode !== 200) throw new Error(`activate failed: ${activate.statusCode} ${activate.body}`);
  return { secret, recoveryCodes: activate.json<{ recovery_codes: string[] }>().recovery_codes };
}
