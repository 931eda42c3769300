import { classifyGraphError } from './cloud-api-whatsapp.sender';
import { classifyHttpStatus, describeErrorBody, type JsonResponse } from './http-json';
import { classifySmtpError } from './smtp-email.sender';

const now = new Date('2026-11-23T10:00:00.000Z');
const response = (status: number, body: unknown = null, headers: Record<string, string> = {}): JsonResponse => ({
  status,
  body,
  headers: new Headers(headers),
});

describe('provider error classification', () => {
  describe('HTTP', () => {
    it.each([400, 404, 409, 413, 422])('%i refuses this request for good (not retried)', (status) => {
      expect(classifyHttpStatus(response(status), now)).toMatchObject({ code: `http_${status}`, retryable: false });
    });

    it.each([500, 502, 503, 504, 408, 425, 429])('%i is transient (retried)', (status) => {
      expect(classifyHttpStatus(response(status), now)).toMatchObject({ code: `http_${status}`, retryable: true });
    });

    it.each([401, 403])('%i (credentials refused) is transient: fixed by configuration, not per message', (status) => {
      expect(classifyHttpStatus(response(status), now).retryable).toBe(true);
    });

    it('carries Retry-After and the error text the provider gave', () => {
      const error = classifyHttpStatus(response(429, { message: 'slow down' }, { 'retry-after': '7' }), now);
      expect(error).toMatchObject({ retryAfterMs: 7_000, message: 'HTTP 429: slow down' });
    });

    it('describes the usual error body shapes', () => {
      expect(describeErrorBody({ error: { message: 'nested' } })).toBe('nested');
      expect(describeErrorBody({ error: 'flat' })).toBe('flat');
      expect(describeErrorBody({ detail: 'problem+json' })).toBe('problem+json');
      expect(describeErrorBody('x'.repeat(10))).toBe('no error description');
    });
  });

  describe('Graph API (WhatsApp)', () => {
    const graph = (status: number, code: number) =>
      response(status, { error: { message: `(#${code}) msg`, type: 'OAuthException', code } });

    it.each([130429, 131056, 131000, 131016, 133004, 80007, 4, 190])('error %i is transient, whatever the status', (code) => {
      expect(classifyGraphError(graph(400, code), now)).toMatchObject({ code: `graph_${code}`, retryable: true });
    });

    it.each([100, 131026, 131047, 131030])('error %i with a 4xx is permanent', (code) => {
      expect(classifyGraphError(graph(400, code), now)).toMatchObject({ code: `graph_${code}`, retryable: false });
    });

    it('falls back to the HTTP status without a Graph error body', () => {
      expect(classifyGraphError(response(502, '<html>'), now)).toMatchObject({ code: 'http_502', retryable: true });
      expect(classifyGraphError(response(404), now)).toMatchObject({ code: 'http_404', retryable: false });
    });
  });

  describe('SMTP', () => {
    const smtpError = (fields: Record<string, unknown>): Error => Object.assign(new Error('smtp failure'), fields);

    it('a 5xx reply to RCPT TO or DATA refuses the message for good', () => {
      expect(
        classifySmtpError(smtpError({ code: 'EENVELOPE', responseCode: 550, permanent: true, command: 'RCPT TO' })),
      ).toMatchObject({
        code: 'smtp_550',
        retryable: false,
      });
      expect(
        classifySmtpError(smtpError({ code: 'EMESSAGE', responseCode: 554, permanent: true, command: 'DATA' })).retryable,
      ).toBe(false);
    });

    it('a 5xx reply before the recipient (STARTTLS, MAIL FROM) is configuration: transient', () => {
      expect(
        classifySmtpError(smtpError({ code: 'ETLS', responseCode: 500, permanent: true, command: 'STARTTLS' })).retryable,
      ).toBe(true);
      expect(
        classifySmtpError(smtpError({ code: 'EENVELOPE', responseCode: 553, permanent: true, command: 'MAIL FROM' })).retryable,
      ).toBe(true);
    });

    it('4xx replies, connection, TLS and timeout failures are transient', () => {
      expect(classifySmtpError(smtpError({ code: 'EMESSAGE', responseCode: 451, permanent: false })).retryable).toBe(true);
      expect(classifySmtpError(smtpError({ code: 'ESOCKET' }))).toMatchObject({ code: 'smtp_esocket', retryable: true });
      expect(classifySmtpError(smtpError({ code: 'ETIMEDOUT' })).retryable).toBe(true);
      expect(classifySmtpError(smtpError({ code: 'ETLS' })).retryable).toBe(true);
    });

    it('a refused login is transient (configuration), even with a 5xx reply', () => {
      expect(
        classifySmtpError(smtpError({ code: 'EAUTH', responseCode: 535, permanent: true, command: 'AUTH PLAIN' })),
      ).toMatchObject({
        code: 'smtp_535',
        retryable: true,
      });
    });

    it('a message we built wrongly is permanent', () => {
      expect(classifySmtpError(smtpError({ code: 'EENVELOPE', command: 'API' })).retryable).toBe(false);
    });
  });
});
