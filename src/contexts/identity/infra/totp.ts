import { generateSecret, generateURI, verify } from 'otplib';

export const TOTP_PERIOD = 30;

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) through otplib; ±1 time step of clock drift. */
export const Totp = {
  newSecret(): string {
    return generateSecret({ length: 20 });
  },

  uri(secret: string, account: string, issuer: string): string {
    return generateURI({ issuer, label: account, secret });
  },

  /**
   * The matched time step, or null. `afterTimeStep` refuses a code of an already used
   * step (replay); `now` comes from the injected clock.
   */
  async verify(secret: string, code: string, now: Date, afterTimeStep?: number): Promise<number | null> {
    if (!/^\d{6}$/.test(code)) return null;
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(now.getTime() / 1000),
      epochTolerance: TOTP_PERIOD,
      ...(afterTimeStep !== undefined ? { afterTimeStep } : {}),
    });
    // TOTP results carry the matched step (the union type also covers HOTP, which has none).
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  },
};
