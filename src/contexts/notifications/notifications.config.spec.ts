import { collectProblems, type EnvProblem, InvalidEnvironmentError } from '../../platform/config';
import { parseNotificationsConfig } from './notifications.config';

const problemsOf = (raw: Record<string, string>, readFile?: (path: string) => string): EnvProblem[] =>
  collectProblems(() => parseNotificationsConfig(raw, readFile));

const variables = (raw: Record<string, string>): string[] => problemsOf(raw).map((p) => p.variable);

describe('parseNotificationsConfig', () => {
  it('needs nothing: both channels log, with safe delivery defaults', () => {
    const config = parseNotificationsConfig({});
    expect(config.email).toEqual({ provider: 'log', from: 'Bastion <no-reply@localhost>' });
    expect(config.whatsapp).toEqual({ provider: 'log' });
    expect(config.delivery).toEqual({
      maxAttempts: 8,
      backoff: { baseMs: 30_000, maxMs: 3_600_000 },
      pollMs: 2_000,
      batchSize: 10,
      sendTimeoutMs: 10_000,
      leaseMs: 60_000,
      retentionDays: 30,
    });
    expect(config.breaker).toEqual({ errorThresholdPercent: 50, volumeThreshold: 5, windowMs: 60_000, resetMs: 30_000 });
    expect(config.warnings).toEqual([]);
  });

  describe('EMAIL_PROVIDER=smtp', () => {
    it('names every missing variable at once', () => {
      let thrown: unknown;
      try {
        parseNotificationsConfig({ EMAIL_PROVIDER: 'smtp' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidEnvironmentError);
      expect((thrown as InvalidEnvironmentError).problems).toEqual([
        { variable: 'EMAIL_FROM', message: 'is required when EMAIL_PROVIDER=smtp' },
        { variable: 'SMTP_HOST', message: 'is required when EMAIL_PROVIDER=smtp' },
      ]);
      expect((thrown as Error).message).toMatch(/EMAIL_FROM: is required[\s\S]*SMTP_HOST: is required when EMAIL_PROVIDER=smtp/);
    });

    it('defaults to STARTTLS on 587, and picks the port from the TLS mode', () => {
      const base = { EMAIL_PROVIDER: 'smtp', SMTP_HOST: 'smtp.example.com', EMAIL_FROM: 'Bastion <security@example.com>' };
      expect(parseNotificationsConfig(base).email).toEqual({
        provider: 'smtp',
        from: 'Bastion <security@example.com>',
        smtp: { host: 'smtp.example.com', port: 587, tls: 'starttls', caPem: undefined },
      });
      expect(parseNotificationsConfig({ ...base, SMTP_SECURE: 'tls' }).email.smtp).toMatchObject({ port: 465, tls: 'tls' });
      expect(parseNotificationsConfig({ ...base, SMTP_SECURE: 'none', SMTP_PORT: '2525' }).email.smtp).toMatchObject({
        port: 2525,
        tls: 'none',
      });
    });

    it('takes credentials only as a pair', () => {
      const base = { EMAIL_PROVIDER: 'smtp', SMTP_HOST: 'smtp.example.com', EMAIL_FROM: 'a@example.com' };
      expect(parseNotificationsConfig({ ...base, SMTP_USER: 'apikey', SMTP_PASSWORD: ' s3cret ' }).email.smtp).toMatchObject({
        user: 'apikey',
        password: ' s3cret ',
      });
      expect(variables({ ...base, SMTP_USER: 'apikey' })).toEqual(['SMTP_PASSWORD']);
      expect(variables({ ...base, SMTP_PASSWORD: 'x' })).toEqual(['SMTP_USER']);
    });

    it('reports bad values by name', () => {
      expect(
        problemsOf({
          EMAIL_PROVIDER: 'smtp',
          SMTP_HOST: 'smtp.example.com',
          EMAIL_FROM: 'two@example.com, addresses@example.com',
          SMTP_SECURE: 'ssl',
          SMTP_PORT: '70000',
        }),
      ).toEqual([
        { variable: 'EMAIL_FROM', message: expect.stringMatching(/one address/) },
        { variable: 'SMTP_SECURE', message: expect.stringMatching(/one of starttls, tls, none/) },
        { variable: 'SMTP_PORT', message: expect.stringMatching(/between 1 and 65535/) },
      ]);
    });

    it('reads an extra CA from SMTP_TLS_CA_FILE, and names the variable when it cannot', () => {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      const base = {
        EMAIL_PROVIDER: 'smtp',
        SMTP_HOST: 'relay.internal',
        EMAIL_FROM: 'a@example.com',
        SMTP_TLS_CA_FILE: '/etc/ca.pem',
      };
      expect(parseNotificationsConfig(base, () => pem).email.smtp?.caPem).toBe(pem);
      expect(problemsOf(base, () => 'not a certificate')).toEqual([
        { variable: 'SMTP_TLS_CA_FILE', message: expect.stringMatching(/no PEM certificate/) },
      ]);
      expect(
        problemsOf(base, () => {
          throw new Error('ENOENT: no such file');
        }),
      ).toEqual([{ variable: 'SMTP_TLS_CA_FILE', message: 'cannot be read: ENOENT: no such file' }]);
    });

    it('warns when mail would travel unencrypted', () => {
      const config = parseNotificationsConfig({
        EMAIL_PROVIDER: 'smtp',
        SMTP_HOST: 'mail.example.com',
        SMTP_SECURE: 'none',
        SMTP_USER: 'u',
        SMTP_PASSWORD: 'p',
        EMAIL_FROM: 'a@example.com',
      });
      expect(config.warnings).toEqual([
        expect.stringMatching(/SMTP_SECURE=none: mail and the SMTP password travel unencrypted to mail.example.com/),
      ]);
    });
  });

  describe('EMAIL_PROVIDER=http', () => {
    it('names the URL, the token and the sender when missing', () => {
      expect(variables({ EMAIL_PROVIDER: 'http' })).toEqual(['EMAIL_FROM', 'EMAIL_HTTP_URL', 'EMAIL_HTTP_TOKEN']);
    });

    it('reads them, without a trailing slash', () => {
      expect(
        parseNotificationsConfig({
          EMAIL_PROVIDER: 'http',
          EMAIL_FROM: 'a@example.com',
          EMAIL_HTTP_URL: 'https://api.resend.com/emails/',
          EMAIL_HTTP_TOKEN: 're_123',
        }).email.http,
      ).toEqual({ url: 'https://api.resend.com/emails', token: 're_123' });
    });

    it('refuses plain http in production (except loopback) and URLs with credentials', () => {
      const base = { EMAIL_PROVIDER: 'http', EMAIL_FROM: 'a@example.com', EMAIL_HTTP_TOKEN: 't' };
      expect(problemsOf({ ...base, APP_ENV: 'production', EMAIL_HTTP_URL: 'http://mail.example.com/send' })).toEqual([
        { variable: 'EMAIL_HTTP_URL', message: expect.stringMatching(/https in production/) },
      ]);
      expect(
        parseNotificationsConfig({ ...base, APP_ENV: 'production', EMAIL_HTTP_URL: 'http://127.0.0.1:8025/send' }).email.http
          ?.url,
      ).toBe('http://127.0.0.1:8025/send');
      expect(variables({ ...base, EMAIL_HTTP_URL: 'https://user:pw@mail.example.com/' })).toEqual(['EMAIL_HTTP_URL']);
      expect(variables({ ...base, EMAIL_HTTP_URL: 'ftp://mail.example.com/' })).toEqual(['EMAIL_HTTP_URL']);
      expect(variables({ ...base, EMAIL_HTTP_URL: 'mail.example.com' })).toEqual(['EMAIL_HTTP_URL']);
    });
  });

  describe('WHATSAPP_PROVIDER=cloud-api', () => {
    it('names the phone-number id and the token when missing', () => {
      expect(problemsOf({ WHATSAPP_PROVIDER: 'cloud-api' })).toEqual([
        { variable: 'WHATSAPP_PHONE_NUMBER_ID', message: 'is required when WHATSAPP_PROVIDER=cloud-api' },
        { variable: 'WHATSAPP_TOKEN', message: 'is required when WHATSAPP_PROVIDER=cloud-api' },
      ]);
    });

    it('defaults the API base to the Graph API', () => {
      expect(
        parseNotificationsConfig({
          WHATSAPP_PROVIDER: 'cloud-api',
          WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
          WHATSAPP_TOKEN: 'EAAG',
        }).whatsapp,
      ).toEqual({
        provider: 'cloud-api',
        cloudApi: { apiBase: 'https://graph.facebook.com/v21.0', phoneNumberId: '106540352242922', token: 'EAAG' },
      });
    });

    it('wants a numeric phone-number id', () => {
      expect(
        variables({ WHATSAPP_PROVIDER: 'cloud-api', WHATSAPP_PHONE_NUMBER_ID: '+4915112345678', WHATSAPP_TOKEN: 't' }),
      ).toEqual(['WHATSAPP_PHONE_NUMBER_ID']);
    });
  });

  it('reports unknown providers by name', () => {
    expect(variables({ EMAIL_PROVIDER: 'sendgrid', WHATSAPP_PROVIDER: 'twilio' })).toEqual([
      'EMAIL_PROVIDER',
      'WHATSAPP_PROVIDER',
    ]);
  });

  it('reads delivery and breaker settings, and checks their ranges by name', () => {
    const config = parseNotificationsConfig({
      NOTIFICATIONS_MAX_ATTEMPTS: '3',
      NOTIFICATIONS_BACKOFF_BASE_MS: '1000',
      NOTIFICATIONS_BACKOFF_MAX_MS: '8000',
      NOTIFICATIONS_POLL_MS: '500',
      NOTIFICATIONS_BATCH_SIZE: '5',
      NOTIFICATIONS_SEND_TIMEOUT_MS: '2000',
      NOTIFICATIONS_LEASE_MS: '6000',
      NOTIFICATIONS_RETENTION_DAYS: '7',
      NOTIFICATIONS_BREAKER_ERROR_PERCENT: '75',
      NOTIFICATIONS_BREAKER_VOLUME: '2',
      NOTIFICATIONS_BREAKER_WINDOW_MS: '10000',
      NOTIFICATIONS_BREAKER_RESET_MS: '250',
    });
    expect(config.delivery).toEqual({
      maxAttempts: 3,
      backoff: { baseMs: 1000, maxMs: 8000 },
      pollMs: 500,
      batchSize: 5,
      sendTimeoutMs: 2000,
      leaseMs: 6000,
      retentionDays: 7,
    });
    expect(config.breaker).toEqual({ errorThresholdPercent: 75, volumeThreshold: 2, windowMs: 10_000, resetMs: 250 });
    expect(
      variables({ NOTIFICATIONS_MAX_ATTEMPTS: '0', NOTIFICATIONS_POLL_MS: 'fast', NOTIFICATIONS_BREAKER_ERROR_PERCENT: '101' }),
    ).toEqual(['NOTIFICATIONS_MAX_ATTEMPTS', 'NOTIFICATIONS_POLL_MS', 'NOTIFICATIONS_BREAKER_ERROR_PERCENT']);
  });

  it('keeps the backoff cap above its base, and the lease well above the send timeout', () => {
    expect(problemsOf({ NOTIFICATIONS_BACKOFF_BASE_MS: '5000', NOTIFICATIONS_BACKOFF_MAX_MS: '1000' })).toEqual([
      { variable: 'NOTIFICATIONS_BACKOFF_MAX_MS', message: expect.stringMatching(/at least NOTIFICATIONS_BACKOFF_BASE_MS/) },
    ]);
    expect(problemsOf({ NOTIFICATIONS_SEND_TIMEOUT_MS: '30000', NOTIFICATIONS_LEASE_MS: '60000' })).toEqual([
      {
        variable: 'NOTIFICATIONS_LEASE_MS',
        message: expect.stringMatching(/at least 3 × NOTIFICATIONS_SEND_TIMEOUT_MS \(90000\)/),
      },
    ]);
  });

  it('warns about provider settings that log mode ignores, and about log mode in production', () => {
    expect(parseNotificationsConfig({ SMTP_HOST: 'smtp.example.com', WHATSAPP_TOKEN: 't' }).warnings).toEqual([
      'SMTP_HOST set but EMAIL_PROVIDER=log: emails are only logged',
      'WHATSAPP_TOKEN set but WHATSAPP_PROVIDER=log: WhatsApp messages are only logged',
    ]);
    expect(parseNotificationsConfig({ APP_ENV: 'production' }).warnings).toEqual([
      expect.stringMatching(/EMAIL_PROVIDER=log in production/),
    ]);
  });
});
