/**
 * Provider contract tests: each adapter against a real peer on loopback, no mocks. SMTP
 * against an in-process SMTP server (`smtp-server`, messages parsed with `mailparser`);
 * the HTTP email API and the WhatsApp Cloud API against an in-process HTTP server that
 * checks method, path, auth header and JSON body and scripts the provider's errors.
 */
import { Logger } from '@nestjs/common';
import {
  CloudApiWhatsAppSender,
  DeliveryError,
  type EmailMessage,
  HttpEmailSender,
  LogEmailSender,
  LogWhatsAppSender,
  SmtpEmailSender,
  type SmtpSettings,
} from '../src/contexts/notifications/testing';
import { FakeHttpServer } from './support/fake-http-server';
import { FakeSmtpServer, startSilentServer, unusedPort } from './support/fake-smtp-server';
import { createTestCertificate, type TestCertificate } from './support/tls-certificate';

const FROM = 'Bastion Security <security@bastion.example>';
const TIMEOUT_MS = 3_000;

let counter = 0;
function message(overrides: Partial<EmailMessage> = {}): EmailMessage {
  counter += 1;
  return {
    to: 'jane.doe@example.com',
    subject: `Bastion: your account is temporarily locked (${counter})`,
    text: `Hi Jane,\n\nPlain text body ${counter}.\n`,
    html: `<!doctype html><html><body><p>HTML body ${counter} &lt;escaped&gt;</p></body></html>`,
    notificationId: `0b5c7a52-6f7e-4b8e-9d4c-${String(counter).padStart(12, '0')}`,
    ...overrides,
  };
}

/** Resolves to the DeliveryError the promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryError);
    return error as DeliveryError;
  }
  throw new Error('expected the send to fail');
}

describe('notification providers (contract)', () => {
  let certificate: TestCertificate;

  beforeAll(() => {
    certificate = createTestCertificate();
  });
  afterAll(() => {
    certificate.remove();
  });

  describe('SMTP (nodemailer) against an in-process SMTP server', () => {
    const servers: FakeSmtpServer[] = [];
    const senders: SmtpEmailSender[] = [];
    const smtp = async (options: Parameters<typeof FakeSmtpServer.start>[0] = {}): Promise<FakeSmtpServer> => {
      const server = await FakeSmtpServer.start(options);
      servers.push(server);
      return server;
    };
    const sender = (settings: Partial<SmtpSettings> & { port: number }, timeoutMs = TIMEOUT_MS): SmtpEmailSender => {
      const s = new SmtpEmailSender({ host: '127.0.0.1', tls: 'none', ...settings }, FROM, timeoutMs);
      senders.push(s);
      return s;
    };
    afterAll(async () => {
      senders.forEach((s) => s.close());
      await Promise.all(servers.map((s) => s.stop()));
    });

    it('delivers one message with the right envelope, headers, text and HTML', async () => {
      const server = await smtp();
      const m = message();
      const receipt = await sender({ port: server.port }).send(m);

      expect(server.received).toHaveLength(1);
      const [mail] = server.received;
      expect(mail.envelope).toEqual({ from: 'security@bastion.example', to: ['jane.doe@example.com'] });
      expect(mail.parsed.from?.value).toEqual([{ address: 'security@bastion.example', name: 'Bastion Security' }]);
      expect(mail.parsed.to).toMatchObject({ value: [{ address: 'jane.doe@example.com', name: '' }] });
      expect(mail.parsed.cc).toBeUndefined();
      expect(mail.parsed.bcc).toBeUndefined();
      expect(mail.parsed.subject).toBe(m.subject);
      expect(mail.parsed.messageId).toBe(`<${m.notificationId}@bastion.example>`);
      expect(receipt.providerMessageId).toBe(`<${m.notificationId}@bastion.example>`);
      expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
      expect(mail.parsed.date).toBeInstanceOf(Date);
      expect(
        String(mail.parsed.headers.get('content-type') && (mail.parsed.headers.get('content-type') as { value: string }).value),
      ).toBe('multipart/alternative');
      expect(mail.parsed.text).toBe(m.text);
      expect(mail.parsed.html).toBe(m.html);
      expect(mail.secure).toBe(false);
    });

    it('logs in with SMTP_USER / SMTP_PASSWORD when the server requires it', async () => {
      const server = await smtp({ auth: { user: 'apikey', pass: 'correct horse' } });
      await sender({ port: server.port, user: 'apikey', password: 'correct horse' }).send(message());
      expect(server.received).toHaveLength(1);
      expect(server.received[0].user).toBe('apikey');
    });

    it('a refused login is transient (a configuration problem, retried) and sends nothing', async () => {
      const server = await smtp({ auth: { user: 'apikey', pass: 'correct horse' } });
      const error = await failure(sender({ port: server.port, user: 'apikey', password: 'wrong' }).send(message()));
      expect(error).toMatchObject({ code: 'smtp_535', retryable: true });
      expect(server.received).toHaveLength(0);
    });

    it('STARTTLS (the default mode) upgrades the session and verifies the certificate against SMTP_TLS_CA_FILE', async () => {
      const server = await smtp({ tls: { key: certificate.key, cert: certificate.cert } });
      await sender({ port: server.port, tls: 'starttls', caPem: certificate.cert }).send(message());
      expect(server.received).toHaveLength(1);
      expect(server.received[0].secure).toBe(true);
    });

    it('STARTTLS refuses a certificate it cannot verify, before any message data', async () => {
      const server = await smtp({ tls: { key: certificate.key, cert: certificate.cert } });
      const error = await failure(sender({ port: server.port, tls: 'starttls' }).send(message()));
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/certificate/i);
      expect(server.received).toHaveLength(0);
    });

    it('STARTTLS mode never falls back to plain text when the server does not offer it', async () => {
      const server = await smtp({ hideStartTls: true });
      const error = await failure(sender({ port: server.port, tls: 'starttls' }).send(message()));
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/STARTTLS/i);
      expect(server.received).toHaveLength(0);
    });

    it('implicit TLS (SMTP_SECURE=tls) encrypts from the first byte', async () => {
      const server = await smtp({ secure: true, tls: { key: certificate.key, cert: certificate.cert } });
      await sender({ port: server.port, tls: 'tls', caPem: certificate.cert }).send(message());
      expect(server.received).toHaveLength(1);
      expect(server.received[0].secure).toBe(true);
    });

    it('a 5xx refusal of the recipient is permanent (not retried), with the address masked by the caller', async () => {
      const server = await smtp();
      server.rejectRecipients.set('gone@example.com', { code: 550, message: '5.1.1 <gone@example.com>: user unknown' });
      const error = await failure(sender({ port: server.port }).send(message({ to: 'gone@example.com' })));
      expect(error).toMatchObject({ code: 'smtp_550', retryable: false });
      expect(server.received).toHaveLength(0);
    });

    it('a 4xx refusal of the message is transient (greylisting, full mailbox)', async () => {
      const server = await smtp();
      server.rejectData = { code: 451, message: '4.7.1 Try again later' };
      const error = await failure(sender({ port: server.port }).send(message()));
      expect(error).toMatchObject({ code: 'smtp_451', retryable: true });
      expect(server.received).toHaveLength(0);
    });

    it('a server that is down is transient', async () => {
      const error = await failure(sender({ port: await unusedPort() }).send(message()));
      expect(error.retryable).toBe(true);
      expect(error.code).toMatch(/^smtp_e/);
    });

    it('a server that never answers times out (transient) within the send timeout', async () => {
      const silent = await startSilentServer();
      try {
        const error = await failure(sender({ port: silent.port }, 300).send(message()));
        expect(error).toMatchObject({ code: 'smtp_etimedout', retryable: true });
      } finally {
        await silent.stop();
      }
    });
  });

  describe('HTTP email API against an in-process HTTP server', () => {
    let api: FakeHttpServer;
    const TOKEN = 're_test_0123456789abcdef';
    const send = (m: EmailMessage = message(), timeoutMs = TIMEOUT_MS) =>
      new HttpEmailSender({ url: api.url('/emails'), token: TOKEN }, FROM, timeoutMs).send(m);

    beforeAll(async () => {
      api = await FakeHttpServer.start();
    });
    afterAll(async () => {
      await api.stop();
    });
    beforeEach(() => {
      api.requests.length = 0;
      api.respond = () => ({ status: 200, body: { id: 'msg-1' } });
    });

    it('POSTs the message as JSON to the configured URL with the bearer token and an Idempotency-Key', async () => {
      api.respond = (req) =>
        req.method === 'POST' && req.path === '/emails' && req.headers.authorization === `Bearer ${TOKEN}`
          ? { status: 200, body: { id: 'e2f1c0de-provider-id' } }
          : { status: 400, body: { message: 'unexpected request' } };
      const m = message();
      const receipt = await send(m);
      expect(receipt).toEqual({ providerMessageId: 'e2f1c0de-provider-id' });
      expect(api.requests).toHaveLength(1);
      const [req] = api.requests;
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers.accept).toBe('application/json');
      expect(req.headers['idempotency-key']).toBe(m.notificationId);
      expect(req.body).toEqual({ from: FROM, to: [m.to], subject: m.subject, text: m.text, html: m.html });
    });

    it.each([400, 404, 422])('%i is permanent: one request, not retried', async (status) => {
      api.respond = () => ({ status, body: { message: 'The `to` field is invalid.' } });
      const error = await failure(send());
      expect(error).toMatchObject({
        code: `http_${status}`,
        retryable: false,
        message: `HTTP ${status}: The \`to\` field is invalid.`,
      });
      expect(api.requests).toHaveLength(1);
    });

    it.each([500, 502, 503])('%i is transient (retried by the dispatcher)', async (status) => {
      api.respond = () => ({ status, body: { error: { message: 'upstream down' } } });
      expect(await failure(send())).toMatchObject({ code: `http_${status}`, retryable: true });
    });

    it('429 is transient and carries Retry-After', async () => {
      api.respond = () => ({ status: 429, body: { message: 'rate limited' }, headers: { 'retry-after': '12' } });
      expect(await failure(send())).toMatchObject({ code: 'http_429', retryable: true, retryAfterMs: 12_000 });
    });

    it('401 (token refused) is transient: every message would fail the same way until the token is fixed', async () => {
      api.respond = () => ({ status: 401, body: { message: 'API key is invalid' } });
      expect(await failure(send())).toMatchObject({ code: 'http_401', retryable: true });
    });

    it('a provider that does not answer in time is a transient timeout', async () => {
      api.respond = () => ({ hang: true });
      expect(await failure(send(message(), 300))).toMatchObject({ code: 'timeout', retryable: true });
    });

    it('a redirect is not followed (the token never goes to another address)', async () => {
      const elsewhere = await FakeHttpServer.start();
      try {
        api.respond = () => ({ status: 307, headers: { location: elsewhere.url('/steal') } });
        expect(await failure(send())).toMatchObject({ code: 'network', retryable: true });
        expect(elsewhere.requests).toHaveLength(0);
      } finally {
        await elsewhere.stop();
      }
    });

    it('an API that is down is a transient network error', async () => {
      const sender = new HttpEmailSender(
        { url: `http://127.0.0.1:${await unusedPort()}/emails`, token: TOKEN },
        FROM,
        TIMEOUT_MS,
      );
      expect(await failure(sender.send(message()))).toMatchObject({ code: 'network', retryable: true });
    });
  });

  describe('WhatsApp Cloud API against an in-process HTTP server', () => {
    let graph: FakeHttpServer;
    const TOKEN = 'EAAGtestsystemusertoken';
    const PHONE_NUMBER_ID = '106540352242922';
    const PATH = `/v21.0/${PHONE_NUMBER_ID}/messages`;
    const send = (to = '+4915112345678', text = 'Bastion: new sign-in', timeoutMs = TIMEOUT_MS) =>
      new CloudApiWhatsAppSender({ apiBase: graph.url('/v21.0'), phoneNumberId: PHONE_NUMBER_ID, token: TOKEN }, timeoutMs).send({
        to,
        text,
        notificationId: '7f0c1d7e-2b8a-4f54-a0d4-5d0a3b1c9e11',
      });
    const graphError = (code: number, message: string) => ({
      error: { message, type: 'OAuthException', code, fbtrace_id: 'AbCdEf' },
    });

    beforeAll(async () => {
      graph = await FakeHttpServer.start();
    });
    afterAll(async () => {
      await graph.stop();
    });
    beforeEach(() => {
      graph.requests.length = 0;
    });

    it('POSTs a text message to /{phone-number-id}/messages with the bearer token', async () => {
      graph.respond = (req) =>
        req.method === 'POST' && req.path === PATH && req.headers.authorization === `Bearer ${TOKEN}`
          ? {
              status: 200,
              body: {
                messaging_product: 'whatsapp',
                contacts: [{ input: '4915112345678', wa_id: '4915112345678' }],
                messages: [{ id: 'wamid.HBgLNDkxNTExMjM0NTY3OBUCABEYEjA=' }],
              },
            }
          : { status: 400, body: graphError(100, 'unexpected request') };
      const receipt = await send();
      expect(receipt).toEqual({ providerMessageId: 'wamid.HBgLNDkxNTExMjM0NTY3OBUCABEYEjA=' });
      expect(graph.requests).toHaveLength(1);
      expect(graph.requests[0].headers['content-type']).toBe('application/json');
      expect(graph.requests[0].body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '4915112345678',
        type: 'text',
        text: { preview_url: false, body: 'Bastion: new sign-in' },
        biz_opaque_callback_data: '7f0c1d7e-2b8a-4f54-a0d4-5d0a3b1c9e11',
      });
    });

    it('keeps a text within the 4096-character limit', async () => {
      graph.respond = () => ({ status: 200, body: { messages: [{ id: 'wamid.1' }] } });
      await send('+4915112345678', 'x'.repeat(5000));
      const body = graph.requests[0].body as { text: { body: string } };
      expect(body.text.body).toHaveLength(4096);
      expect(body.text.body.endsWith('…')).toBe(true);
    });

    it('an invalid-parameter error (400, code 100) is permanent', async () => {
      graph.respond = () => ({ status: 400, body: graphError(100, '(#100) Invalid parameter') });
      expect(await failure(send())).toMatchObject({ code: 'graph_100', retryable: false });
      expect(graph.requests).toHaveLength(1);
    });

    it('the 24-hour-window refusal (131047) is permanent', async () => {
      graph.respond = () => ({ status: 400, body: graphError(131047, 'Re-engagement message') });
      expect(await failure(send())).toMatchObject({ code: 'graph_131047', retryable: false });
    });

    it('throttling that comes with a 400 (131056 pair rate, 130429 throughput) is transient', async () => {
      graph.respond = () => ({
        status: 400,
        body: graphError(131056, '(Business Account, Consumer Account) pair rate limit hit'),
      });
      expect(await failure(send())).toMatchObject({ code: 'graph_131056', retryable: true });
      graph.respond = () => ({ status: 400, body: graphError(130429, 'Rate limit hit') });
      expect(await failure(send())).toMatchObject({ code: 'graph_130429', retryable: true });
    });

    it('an expired token (401, code 190) is transient: fixed by configuration', async () => {
      graph.respond = () => ({ status: 401, body: graphError(190, 'Error validating access token') });
      expect(await failure(send())).toMatchObject({ code: 'graph_190', retryable: true });
    });

    it('5xx and timeouts are transient', async () => {
      graph.respond = () => ({ status: 503, body: graphError(131016, 'Service unavailable') });
      expect(await failure(send())).toMatchObject({ code: 'graph_131016', retryable: true });
      graph.respond = () => ({ status: 500, body: { message: 'oops' } });
      expect(await failure(send())).toMatchObject({ code: 'http_500', retryable: true });
      graph.respond = () => ({ hang: true });
      expect(await failure(send('+4915112345678', 'x', 300))).toMatchObject({ code: 'timeout', retryable: true });
    });

    it('error texts that echo the number can be masked by the caller (the adapter passes them on)', async () => {
      graph.respond = () => ({ status: 400, body: graphError(131026, 'Message undeliverable to 4915112345678') });
      const error = await failure(send());
      expect(error).toMatchObject({ code: 'graph_131026', retryable: false });
      expect(error.message).toContain('4915112345678');
    });
  });

  describe('log senders (the default, no secret needed)', () => {
    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('log the rendered email with the recipient masked, and send nothing', async () => {
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      const m = message({ to: 'jane.doe@example.com' });
      expect(await new LogEmailSender(FROM).send(m)).toEqual({ providerMessageId: null });
      expect(log).toHaveBeenCalledTimes(1);
      const [fields, text] = log.mock.calls[0] as [Record<string, unknown>, string];
      expect(fields).toMatchObject({
        event: 'notification_logged',
        channel: 'email',
        to: 'j***@example.com',
        subject: m.subject,
        text: m.text,
        notification_id: m.notificationId,
      });
      expect(text).toContain('j***@example.com');
      expect(JSON.stringify(log.mock.calls)).not.toContain('jane.doe@example.com');
    });

    it('log the WhatsApp message with the number masked', async () => {
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      await new LogWhatsAppSender().send({ to: '+4915112345689', text: 'Bastion: hello', notificationId: 'n-1' });
      expect(log.mock.calls[0][0]).toMatchObject({ channel: 'whatsapp', to: '+49*********89', text: 'Bastion: hello' });
      expect(JSON.stringify(log.mock.calls)).not.toContain('15112345689');
    });
  });
});
