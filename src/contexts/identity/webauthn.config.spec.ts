import { InvalidEnvironmentError } from '../../platform/config';
import { parseWebAuthnConfig } from './webauthn.config';

const problemsOf = (raw: Record<string, string>): string[] => {
  try {
    parseWebAuthnConfig(raw);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidEnvironmentError)) throw error;
    return error.problems.map((p) => `${p.variable}: ${p.message}`);
  }
};

describe('parseWebAuthnConfig', () => {
  it('derives the relying party from PUBLIC_BASE_URL by default', () => {
    expect(parseWebAuthnConfig({})).toEqual({
      rpId: '127.0.0.1',
      rpName: 'Bastion',
      origins: ['http://127.0.0.1:3000'],
      challengeTtl: 300,
      maxPasskeys: 10,
      counterPolicy: 'refuse',
    });
    expect(parseWebAuthnConfig({ PUBLIC_BASE_URL: 'https://app.example.com/' })).toMatchObject({
      rpId: 'app.example.com',
      origins: ['https://app.example.com'],
    });
  });

  it('takes an RP ID, several origins on its domain, a name, a challenge lifetime and a counter policy', () => {
    const config = parseWebAuthnConfig({
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://example.com, https://app.example.com',
      WEBAUTHN_RP_NAME: 'Acme',
      WEBAUTHN_CHALLENGE_TTL: '2m',
      WEBAUTHN_COUNTER_POLICY: 'warn',
    });
    expect(config).toMatchObject({
      rpId: 'example.com',
      rpName: 'Acme',
      origins: ['https://example.com', 'https://app.example.com'],
      challengeTtl: 120,
      counterPolicy: 'warn',
    });
  });

  it('refuses origins off the RP domain, with a path, or plain http in production (localhost aside)', () => {
    expect(problemsOf({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://evil.test' })).toEqual([
      expect.stringContaining('is not on the relying party'),
    ]);
    expect(problemsOf({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com/app' })).toEqual([
      expect.stringContaining('must be an origin only'),
    ]);
    expect(problemsOf({ APP_ENV: 'production', WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'http://example.com' })).toEqual([
      expect.stringContaining('must be https in production'),
    ]);
    expect(problemsOf({ APP_ENV: 'production', WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: 'http://localhost:3000' })).toEqual(
      [],
    );
    expect(problemsOf({ WEBAUTHN_COUNTER_POLICY: 'ignore' })).toEqual([expect.stringContaining('WEBAUTHN_COUNTER_POLICY')]);
  });
});
