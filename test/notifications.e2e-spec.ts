import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { LightMyRequestResponse } from 'fastify';
import { DataSource } from 'typeorm';
import { NotificationsService } from '../src/contexts/notifications';
import { Clock } from '../src/platform/clock';
import { EventBus } from '../src/platform/events';
import { Metrics } from '../src/platform/observability';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import {
  bearer,
  login,
  person,
  register,
  requestRefresh,
  requestToken,
  STRONG_PASSWORD,
  type Tokens,
  uniqueEmail,
} from './support/auth';
import { createTestDatabase, type TestDatabase } from './support/database';
import { captureEvents, type CapturedEvent } from './support/events';
import { FakeHttpServer } from './support/fake-http-server';
import { eventually } from './support/eventually';
import { FakeSmtpServer, unusedPort } from './support/fake-smtp-server';
import { startService, stopService, waitForListening, type RunningService } from './support/process';

jest.setTimeout(120_000);

const FROM = 'Bastion Security <security@bastion.example>';
const WRONG = 'not-the-password-at-all-9';
const NEW_PASSWORD = 'a-brand-new-passphrase-Wh1sky-Tango';
const HOUR = 3_600_000;

interface NotificationRow {
  id: string;
  channel: string;
  recipient: string;
  template: string;
  data: Record<string, unknown>;
  user_id: string | null;
  dedupe_key: string | null;
  status: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: Date;
  locked_until: Date | null;
  claim_token: string | null;
  last_error: string | null;
  provider_message_id: string | null;
  sent_at: Date | null;
  failed_at: Date | null;
}

interface AttemptRow {
  attempt: number;
  status: string;
  retryable: boolean | null;
  error_code: string | null;
  error: string | null;
  instance_id: string;
  started_at: Date | null;
  duration_ms: number | null;
}

/** Settings every app of this file shares: no background poll (tests drain), quick backoff, no breaker. */
const QUIET = {
  NOTIFICATIONS_POLL_MS: String(HOUR),
  NOTIFICATIONS_BACKOFF_BASE_MS: '1000',
  NOTIFICATIONS_BACKOFF_MAX_MS: '60000',
  NOTIFICATIONS_MAX_ATTEMPTS: '4',
  NOTIFICATIONS_SEND_TIMEOUT_MS: '2000',
  NOTIFICATIONS_LEASE_MS: '10000',
  NOTIFICATIONS_BREAKER_VOLUME: '10000',
};

const smtpEnv = (port: number): Record<string, string> => ({
  ...QUIET,
  EMAIL_PROVIDER: 'smtp',
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(port),
  SMTP_SECURE: 'none',
  EMAIL_FROM: FROM,
});

/** Moves the app's clock `offsetMs` ahead of real time (backoff and leases follow it; nothing sleeps). */
function clockAhead(t: TestApp, offsetMs: number): void {
  const clock = t.app.get(Clock);
  jest.restoreAllMocks();
  jest.spyOn(clock, 'now').mockImplementation(() => new Date(Date.now() + offsetMs));
}

async function metric(t: TestApp, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const found = t.app.get(Metrics).registry.getSingleMetric(name);
  if (!found) return undefined;
  const { values } = await found.get();
  return values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value;
}

let ipCounter = 0;
const nextIp = (): string => {
  ipCounter += 1;
  return `10.77.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

function attempt(
  t: TestApp,
  email: string,
  password: string,
  ip = nextIp(),
  userAgent = 'bastion-e2e',
): Promise<LightMyRequestResponse> {
  return requestToken(t, { email, password }, { ip, headers: { 'user-agent': userAgent } });
}

async function registerNamed(t: TestApp, email: string, displayName: string): Promise<string> {
  const res = await t.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: STRONG_PASSWORD, display_name: displayName },
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function changePassword(t: TestApp, tokens: Tokens): Promise<void> {
  const res = await t.inject({
    method: 'POST',
    url: '/api/v1/auth/password',
    headers: bearer(tokens),
    payload: { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD },
  });
  expect(res.statusCode).toBe(204);
}

const VERIFICATION_SUBJECT = 'Bastion: confirm your email address';

describe('notifications (e2e)', () => {
  let smtp: FakeSmtpServer;
  let t: TestApp;
  let events: CapturedEvent[];
  let service: NotificationsService;

  // Every registration also queues a verification mail (account.verify_email); these tests are about the others.
  const rowsFor = (recipient: string): Promise<NotificationRow[]> =>
    t.db.query<NotificationRow>(
      "SELECT * FROM notifications WHERE recipient = $1 AND template <> 'account.verify_email' ORDER BY created_at, id",
      [recipient],
    );
  const noticesTo = (recipient: string) => smtp.to(recipient).filter((m) => m.parsed.subject !== VERIFICATION_SUBJECT);
  const row = async (id: string): Promise<NotificationRow> =>
    (await t.db.query<NotificationRow>('SELECT * FROM notifications WHERE id = $1', [id]))[0];
  const attemptsOf = (id: string): Promise<AttemptRow[]> =>
    t.db.query<AttemptRow>('SELECT * FROM notification_attempts WHERE notification_id = $1 ORDER BY attempt', [id]);
  const sendPasswordNotice = (to: string, dedupeKey?: string) =>
    service.send({
      channel: 'email',
      to,
      template: 'security.password_changed',
      data: { display_name: 'Test', occurred_at: new Date().toISOString(), ip: '192.0.2.1', sessions_revoked: 0 },
      dedupeKey,
    });

  beforeAll(async () => {
    smtp = await FakeSmtpServer.start();
    t = await createTestApp({ env: smtpEnv(smtp.port) });
    events = captureEvents(t).events;
    service = t.app.get(NotificationsService);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    smtp.rejectRecipients.clear();
    smtp.rejectData = null;
    await smtp.restart();
  });

  describe('security notices', () => {
    it('a lockout produces exactly one email to the user, with escaped HTML, and a replayed event adds none', async () => {
      const email = uniqueEmail('locked');
      const userId = await registerNamed(t, email, '<script>alert("x")</script> Jane');

      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await attempt(t, email, WRONG)).statusCode);
      expect(statuses).toEqual(Array(10).fill(401));
      const locked = events.filter((e) => e.name === 'auth.account_locked' && e.payload.email === email);
      expect(locked).toHaveLength(1);
      // While locked, further attempts are refused without a new lockout (and without new mail).
      expect((await attempt(t, email, STRONG_PASSWORD)).statusCode).toBe(429);

      await service.deliverDue();
      const mails = noticesTo(email);
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      const [stored] = await rowsFor(email);
      expect(stored).toMatchObject({
        channel: 'email',
        template: 'security.account_locked',
        user_id: userId,
        status: 'sent',
        attempts: 1,
        dedupe_key: `auth.account_locked:${userId}:${String(locked[0].payload.locked_until)}`,
        claim_token: null,
        locked_until: null,
      });
      expect(mail.envelope).toEqual({ from: 'security@bastion.example', to: [email] });
      expect(mail.parsed.subject).toBe('Bastion: your account is temporarily locked');
      expect(mail.parsed.messageId).toBe(`<${stored.id}@bastion.example>`);
      expect(mail.parsed.from?.value).toEqual([{ address: 'security@bastion.example', name: 'Bastion Security' }]);
      expect(mail.parsed.text).toContain('Hi <script>alert("x")</script> Jane,');
      expect(mail.parsed.text).toContain('too many failed sign-in attempts');
      const html = String(mail.parsed.html);
      expect(html).toContain('Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Jane,');
      expect(html).not.toContain('<script>');
      const until = new Date(String(locked[0].payload.locked_until)).toISOString().slice(0, 16).replace('T', ' ');
      expect(mail.parsed.text).toContain(`${until} UTC`);
      expect(html).toContain(`${until} UTC`);

      const attempts = await attemptsOf(stored.id);
      expect(attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          status: 'sent',
          error: null,
          duration_ms: expect.any(Number),
          started_at: expect.any(Date),
        }),
      ]);
      expect(events).toContainEqual({
        name: 'notifications.sent',
        payload: expect.objectContaining({
          notification_id: stored.id,
          channel: 'email',
          template: 'security.account_locked',
          user_id: userId,
          attempts: 1,
        }),
      });
      expect(
        await metric(t, 'notifications_sent_total', { channel: 'email', template: 'security.account_locked' }),
      ).toBeGreaterThanOrEqual(1);

      // The same event delivered again (a replay) finds its dedupe key taken.
      await t.app.get(EventEmitter2).emitAsync('auth.account_locked', locked[0].payload);
      clockAhead(t, 24 * HOUR);
      await service.deliverDue();
      expect(await rowsFor(email)).toHaveLength(1);
      expect(noticesTo(email)).toHaveLength(1);
    });

    it('a lockout of an email nobody registered sends nothing', async () => {
      const email = uniqueEmail('ghost');
      for (let i = 0; i < 10; i++) await attempt(t, email, WRONG);
      expect(events.some((e) => e.name === 'auth.account_locked' && e.payload.email === email)).toBe(true);
      await service.deliverDue();
      expect(await rowsFor(email)).toHaveLength(0);
      expect(noticesTo(email)).toHaveLength(0);
    });

    it('a suspicious sign-in, a password change and a refresh-token reuse each send one email', async () => {
      const email = uniqueEmail('notices');
      await register(t, email);
      const first = await login(t, email, STRONG_PASSWORD, { 'user-agent': 'browser-one' });
      // A second sign-in from another device is suspicious (new user agent).
      const res = await attempt(t, email, STRONG_PASSWORD, '198.51.100.23', 'curl/8.0');
      expect(res.statusCode).toBe(200);
      const second = res.json<Tokens>();

      const rotated = await requestRefresh(t, first.refresh_token);
      expect(rotated.statusCode).toBe(200);
      const reused = await requestRefresh(t, first.refresh_token);
      expect(reused.json().code).toBe('refresh_token_reused');

      await changePassword(t, second);
      await service.deliverDue();

      const byTemplate = Object.fromEntries((await rowsFor(email)).map((r) => [r.template, r]));
      expect(Object.keys(byTemplate).sort()).toEqual([
        'security.password_changed',
        'security.refresh_token_reuse',
        'security.suspicious_login',
      ]);
      expect(Object.values(byTemplate).every((r) => r.status === 'sent')).toBe(true);
      const subjects = noticesTo(email)
        .map((m) => m.parsed.subject)
        .sort();
      expect(subjects).toEqual([
        'Bastion: new sign-in to your account',
        'Bastion: we signed out a session that may be compromised',
        'Bastion: your password was changed',
      ]);
      const suspicious = noticesTo(email).find((m) => m.parsed.subject === 'Bastion: new sign-in to your account');
      expect(suspicious?.parsed.text).toContain('198.51.100.23');
      expect(suspicious?.parsed.text).toContain('curl/8.0');
    });

    it('MFA turned on and off each send one email (auth.mfa_enabled / auth.mfa_disabled)', async () => {
      const email = uniqueEmail('mfa');
      const { id } = await register(t, email);
      const bus = t.app.get(EventBus);
      await bus.publish('auth.mfa_enabled', { user_id: id, ip: '203.0.113.9', user_agent: 'ua' });
      await bus.publish('auth.mfa_disabled', { user_id: id, ip: '203.0.113.9', user_agent: 'ua' });
      await service.deliverDue();
      expect(
        noticesTo(email)
          .map((m) => m.parsed.subject)
          .sort(),
      ).toEqual(['Bastion: two-factor authentication is off', 'Bastion: two-factor authentication is on']);
    });

    it('a notice for an account that no longer exists is dropped without error', async () => {
      await t.app.get(EventBus).publish('auth.password_changed', {
        user_id: '00000000-0000-4000-8000-000000000000',
        sessions_revoked: 0,
        ip: null,
      });
      expect(await t.db.query(`SELECT 1 FROM notifications WHERE user_id = '00000000-0000-4000-8000-000000000000'`)).toHaveLength(
        0,
      );
    });
  });

  describe('durable delivery', () => {
    it('with the provider down, the message is retried and delivered once after it comes back', async () => {
      const { email, tokens } = await person(t, 'outage');
      await smtp.stop();

      await changePassword(t, tokens);
      await service.deliverDue();
      const [queued] = await rowsFor(email);
      expect(queued).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.any(String) });
      const [first] = await attemptsOf(queued.id);
      expect(first).toMatchObject({
        attempt: 1,
        status: 'failed',
        retryable: true,
        error_code: expect.stringMatching(/^smtp_e/),
      });
      // Backoff: not due again before its time (base 1 s, equal jitter: 0.5–1 s).
      const delay = queued.next_attempt_at.getTime() - new Date(first.started_at as Date).getTime();
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(1_000 + Number(first.duration_ms) + 50);
      await service.deliverDue();
      expect(await attemptsOf(queued.id)).toHaveLength(1);

      await smtp.restart();
      clockAhead(t, 2_000);
      await service.deliverDue();
      expect(await row(queued.id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
      expect((await attemptsOf(queued.id)).map((a) => a.status)).toEqual(['failed', 'sent']);
      expect(noticesTo(email)).toHaveLength(1);

      // Never twice: later runs find nothing to do.
      clockAhead(t, 48 * HOUR);
      await service.deliverDue();
      await service.deliverDue();
      expect(noticesTo(email)).toHaveLength(1);
    });

    it('transient failures are retried with growing, jittered delays up to NOTIFICATIONS_MAX_ATTEMPTS, then failed', async () => {
      const to = uniqueEmail('greylisted');
      smtp.rejectRecipients.set(to, { code: 451, message: '4.7.1 Greylisted, try again later' });
      const { id } = await sendPasswordNotice(to);
      await service.deliverDue();
      for (let i = 1; i <= 5; i++) {
        clockAhead(t, i * 10 * 60_000);
        await service.deliverDue();
      }
      const attempts = await attemptsOf(id);
      expect(attempts.map((a) => [a.attempt, a.status, a.retryable, a.error_code])).toEqual([
        [1, 'failed', true, 'smtp_451'],
        [2, 'failed', true, 'smtp_451'],
        [3, 'failed', true, 'smtp_451'],
        [4, 'failed', true, 'smtp_451'],
      ]);
      expect(attempts.every((a) => !String(a.error).includes(to))).toBe(true);
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 4, failed_at: expect.any(Date) });
      expect(noticesTo(to)).toHaveLength(0);
      expect(events).toContainEqual({
        name: 'notifications.failed',
        payload: expect.objectContaining({ notification_id: id, reason: 'max_attempts', attempts: 4, error_code: 'smtp_451' }),
      });
      expect(
        await metric(t, 'notifications_failed_total', {
          channel: 'email',
          template: 'security.password_changed',
          reason: 'max_attempts',
        }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('each retry waits within its backoff window: [base·2^(n-1)/2, base·2^(n-1)]', async () => {
      const to = uniqueEmail('backoff');
      smtp.rejectRecipients.set(to, { code: 421, message: '4.3.2 Service not available' });
      const { id } = await sendPasswordNotice(to);
      await service.deliverDue();
      const gaps: number[] = [];
      for (let n = 1; n <= 3; n++) {
        const before = await row(id);
        const attempts = await attemptsOf(id);
        const last = attempts[attempts.length - 1];
        const finished = new Date(last.started_at as Date).getTime() + Number(last.duration_ms);
        gaps.push(before.next_attempt_at.getTime() - finished);
        clockAhead(t, n * 10 * 60_000);
        await service.deliverDue();
      }
      gaps.forEach((gap, i) => {
        const ceiling = 1_000 * 2 ** i;
        expect(gap).toBeGreaterThanOrEqual(ceiling / 2 - 50);
        expect(gap).toBeLessThanOrEqual(ceiling + 50);
      });
    });

    it('a permanent refusal fails at once: one attempt, no retry', async () => {
      const to = uniqueEmail('unknown-mailbox');
      smtp.rejectRecipients.set(to, { code: 550, message: `5.1.1 <${to}>: Recipient address rejected` });
      const { id } = await sendPasswordNotice(to);
      await service.deliverDue();
      clockAhead(t, 24 * HOUR);
      await service.deliverDue();
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1 });
      const attempts = await attemptsOf(id);
      expect(attempts).toEqual([expect.objectContaining({ status: 'failed', retryable: false, error_code: 'smtp_550' })]);
      // The provider's text names the address: it is stored masked.
      expect(attempts[0].error).toContain('***@example.com');
      expect(attempts[0].error).not.toContain(to);
      expect(events).toContainEqual({
        name: 'notifications.failed',
        payload: expect.objectContaining({ notification_id: id, reason: 'permanent_error', attempts: 1, error_code: 'smtp_550' }),
      });
    });

    it('a message claimed by an instance that died is taken over once its lease expires, and sent once', async () => {
      const to = uniqueEmail('crash');
      await smtp.stop();
      const { id } = await sendPasswordNotice(to);
      await service.deliverDue();
      await smtp.restart();
      // Another instance claims it (as the claim query does) and dies before reporting.
      await t.db.query(
        `UPDATE notifications SET status = 'sending', attempts = attempts + 1, claim_token = gen_random_uuid(),
                locked_by = 'instance-that-died', locked_until = now() + interval '10 minutes' WHERE id = $1`,
        [id],
      );
      clockAhead(t, 5 * 60_000);
      await service.deliverDue();
      expect(await row(id)).toMatchObject({ status: 'sending', attempts: 2 });
      expect(noticesTo(to)).toHaveLength(0);

      clockAhead(t, 11 * 60_000);
      await service.deliverDue();
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 3 });
      expect((await attemptsOf(id)).map((a) => [a.attempt, a.status, a.instance_id === 'instance-that-died'])).toEqual([
        [1, 'failed', false],
        [2, 'abandoned', true],
        [3, 'sent', false],
      ]);
      expect(noticesTo(to)).toHaveLength(1);
    });

    it('when the abandoned attempt was the last one, the message fails without another send', async () => {
      const to = uniqueEmail('last-gasp');
      const [{ id }] = await t.db.query<{ id: string }>(
        `INSERT INTO notifications (channel, recipient, template, data, status, attempts, max_attempts, next_attempt_at,
                                    locked_until, claim_token, locked_by)
         VALUES ('email', $1, 'security.mfa_disabled', $2, 'sending', 4, 4, now(), now() - interval '1 second',
                 gen_random_uuid(), 'instance-that-died')
         RETURNING id`,
        [to, JSON.stringify({ display_name: null, occurred_at: new Date().toISOString(), ip: null })],
      );
      await service.deliverDue();
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 4, claim_token: null });
      expect((await attemptsOf(id)).map((a) => [a.attempt, a.status])).toEqual([[4, 'abandoned']]);
      expect(noticesTo(to)).toHaveLength(0);
      expect(events).toContainEqual({
        name: 'notifications.failed',
        payload: expect.objectContaining({
          notification_id: id,
          reason: 'max_attempts',
          attempts: 4,
          error_code: 'lease_expired',
        }),
      });
    });

    it('two instances draining the same queue deliver every message exactly once', async () => {
      await withTestApp({ db: t.db, env: smtpEnv(smtp.port) }, async (other) => {
        const otherService = other.app.get(NotificationsService);
        const recipients = Array.from({ length: 30 }, () => uniqueEmail('fanout'));
        const runs: Promise<number>[] = [];
        for (const to of recipients) {
          await sendPasswordNotice(to);
          runs.push(otherService.deliverDue());
        }
        await Promise.all([...runs, service.deliverDue(), otherService.deliverDue()]);
        await Promise.all([service.deliverDue(), otherService.deliverDue()]);

        const delivered = smtp.received.filter((m) => recipients.includes(m.envelope.to[0]));
        expect(delivered).toHaveLength(30);
        expect(new Set(delivered.map((m) => m.parsed.messageId)).size).toBe(30);
        const rows = await t.db.query<{ status: string; attempts: number }>(
          'SELECT status, attempts FROM notifications WHERE recipient = ANY($1)',
          [recipients],
        );
        expect(rows).toHaveLength(30);
        expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
        const attempts = await t.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM notification_attempts a JOIN notifications n ON n.id = a.notification_id WHERE n.recipient = ANY($1)',
          [recipients],
        );
        expect(Number(attempts[0].n)).toBe(30);
      });
    });

    it('a queued message survives the instance that queued it and is delivered by another', async () => {
      const to = uniqueEmail('survivor');
      let id = '';
      await withTestApp({ db: t.db, env: smtpEnv(await unusedPort()) }, async (doomed) => {
        ({ id } = await doomed.app.get(NotificationsService).send({
          channel: 'email',
          to,
          template: 'security.mfa_enabled',
          data: { display_name: null, occurred_at: new Date().toISOString(), ip: null },
        }));
        await doomed.app.get(NotificationsService).deliverDue();
      });
      expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1 });
      clockAhead(t, 10 * 60_000);
      await service.deliverDue();
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(noticesTo(to)).toHaveLength(1);
    });

    it('the poller delivers what nobody kicked (every NOTIFICATIONS_POLL_MS)', async () => {
      await withTestApp({ db: t.db, env: { ...smtpEnv(smtp.port), NOTIFICATIONS_POLL_MS: '100' } }, async () => {
        const to = uniqueEmail('polled');
        const [{ id }] = await t.db.query<{ id: string }>(
          `INSERT INTO notifications (channel, recipient, template, data, max_attempts, next_attempt_at)
           VALUES ('email', $1, 'security.mfa_disabled', $2, 3, now()) RETURNING id`,
          [to, JSON.stringify({ display_name: null, occurred_at: new Date().toISOString(), ip: null })],
        );
        await eventually(async () => (await row(id)).status === 'sent');
        expect(noticesTo(to)).toHaveLength(1);
      });
    });
  });

  describe('NotificationsService.send', () => {
    it('stores the message and answers before delivery; the same dedupe key returns the first message', async () => {
      const to = uniqueEmail('dedupe');
      const first = await sendPasswordNotice(to, `test:${to}`);
      expect(first).toEqual({ id: expect.any(String), status: 'pending', deduplicated: false });
      const again = await sendPasswordNotice(to, `test:${to}`);
      expect(again).toEqual({ id: first.id, status: expect.any(String), deduplicated: true });
      await service.deliverDue();
      expect(await rowsFor(to)).toHaveLength(1);
      expect(noticesTo(to)).toHaveLength(1);
    });

    it.each([
      [{ channel: 'sms' }, 'unknown_channel'],
      [{ template: 'marketing.newsletter' }, 'unknown_template'],
      [{ to: 'Jane <jane@example.com>' }, 'invalid_recipient'],
      [{ channel: 'whatsapp', to: '015112345678' }, 'invalid_recipient'],
      [{ dedupeKey: 'x'.repeat(201) }, 'invalid_dedupe_key'],
    ])('refuses %p with %s (400), storing nothing', async (overrides, code) => {
      const before = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM notifications');
      const request = {
        channel: 'email',
        to: 'valid@example.com',
        template: 'security.mfa_enabled',
        data: { display_name: null, occurred_at: new Date().toISOString(), ip: null },
        ...overrides,
      };
      await expect(service.send(request as Parameters<NotificationsService['send']>[0])).rejects.toMatchObject({
        status: 400,
        code,
      });
      expect(await t.db.query<{ n: string }>('SELECT count(*) AS n FROM notifications')).toEqual(before);
    });
  });

  it('exposes each channel’s circuit state as a metric (0: closed)', async () => {
    expect(await metric(t, 'notification_provider_circuit_state', { channel: 'email' })).toBe(0);
    expect(await metric(t, 'notification_provider_circuit_state', { channel: 'whatsapp' })).toBe(0);
    const res = await t.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toContain('notification_provider_circuit_state{channel="email"} 0');
    expect(res.body).toMatch(/notifications_queue_depth\{channel="email"\} \d+/);
  });

  it('the entities and the migration describe the same notifications tables', async () => {
    const sql = await t.app.get(DataSource).driver.createSchemaBuilder().log();
    const ours = [...sql.upQueries, ...sql.downQueries].map((q) => q.query).filter((q) => q.includes('notification'));
    expect(ours).toEqual([]);
  });

  it('deletes finished messages after NOTIFICATIONS_RETENTION_DAYS, keeping queued ones', async () => {
    const sent = await sendPasswordNotice(uniqueEmail('old-sent'));
    await service.deliverDue();
    await smtp.stop();
    const queued = await sendPasswordNotice(uniqueEmail('old-queued'));
    await service.deliverDue();
    const removed = await t.app
      .get(DataSource)
      .transaction((m) => service.deleteFinished(m, new Date(Date.now() + 31 * 24 * HOUR)));
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(await t.db.query('SELECT 1 FROM notifications WHERE id = $1', [sent.id])).toHaveLength(0);
    expect(await t.db.query('SELECT 1 FROM notification_attempts WHERE notification_id = $1', [sent.id])).toHaveLength(0);
    expect(await row(queued.id)).toMatchObject({ status: 'pending' });
  });
});

describe('notifications over HTTP providers (e2e)', () => {
  let api: FakeHttpServer;
  const EMAIL_TOKEN = 're_e2e_token_0123456789';
  const WA_TOKEN = 'EAAGe2etoken';
  const PHONE_NUMBER_ID = '106540352242922';
  const WA_PATH = `/v21.0/${PHONE_NUMBER_ID}/messages`;
  const httpEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...QUIET,
    NOTIFICATIONS_SEND_TIMEOUT_MS: '500',
    NOTIFICATIONS_LEASE_MS: '5000',
    EMAIL_PROVIDER: 'http',
    EMAIL_FROM: FROM,
    EMAIL_HTTP_URL: api.url('/emails'),
    EMAIL_HTTP_TOKEN: EMAIL_TOKEN,
    WHATSAPP_PROVIDER: 'cloud-api',
    WHATSAPP_API_BASE: api.url('/v21.0'),
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    WHATSAPP_TOKEN: WA_TOKEN,
    ...extra,
  });
  const data = () => ({ display_name: 'Jane', occurred_at: new Date().toISOString(), ip: '192.0.2.1', sessions_revoked: 1 });
  const byKey = (id: string) => api.requests.filter((r) => r.headers['idempotency-key'] === id);

  beforeAll(async () => {
    api = await FakeHttpServer.start();
  });
  afterAll(async () => {
    await api.stop();
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('retries by status', () => {
    let t: TestApp;
    let service: NotificationsService;
    const attemptsOf = (id: string) =>
      t.db.query<AttemptRow>('SELECT * FROM notification_attempts WHERE notification_id = $1 ORDER BY attempt', [id]);
    const status = async (id: string) =>
      (await t.db.query<NotificationRow>('SELECT * FROM notifications WHERE id = $1', [id]))[0];

    beforeAll(async () => {
      t = await createTestApp({ env: httpEnv() });
      service = t.app.get(NotificationsService);
    });
    afterAll(async () => {
      await t.close();
    });

    it('a 4xx is not retried: one request, failed', async () => {
      api.respond = () => ({ status: 422, body: { message: 'Invalid `to` field' } });
      const { id } = await service.send({
        channel: 'email',
        to: 'bounce@example.com',
        template: 'security.password_changed',
        data: data(),
      });
      await service.deliverDue();
      clockAhead(t, 24 * HOUR);
      await service.deliverDue();
      expect(byKey(id)).toHaveLength(1);
      expect(await status(id)).toMatchObject({ status: 'failed', attempts: 1 });
      expect(await attemptsOf(id)).toEqual([
        expect.objectContaining({ status: 'failed', retryable: false, error_code: 'http_422' }),
      ]);
    });

    it('a 5xx is retried with the same Idempotency-Key, then delivered', async () => {
      let calls = 0;
      api.respond = () =>
        ++calls === 1 ? { status: 503, body: { message: 'maintenance' } } : { status: 200, body: { id: 'resend-42' } };
      const { id } = await service.send({
        channel: 'email',
        to: 'retry@example.com',
        template: 'security.password_changed',
        data: data(),
      });
      await service.deliverDue();
      expect(await status(id)).toMatchObject({ status: 'pending', attempts: 1 });
      clockAhead(t, HOUR);
      await service.deliverDue();
      expect(await status(id)).toMatchObject({ status: 'sent', attempts: 2, provider_message_id: 'resend-42' });
      expect(byKey(id)).toHaveLength(2);
      expect(byKey(id).every((r) => r.path === '/emails' && r.headers.authorization === `Bearer ${EMAIL_TOKEN}`)).toBe(true);
      expect((await attemptsOf(id)).map((a) => a.error_code)).toEqual(['http_503', null]);
    });

    it('a timeout is retried', async () => {
      let calls = 0;
      api.respond = () => (++calls === 1 ? { hang: true } : { status: 200, body: { id: 'after-timeout' } });
      const { id } = await service.send({
        channel: 'email',
        to: 'slow@example.com',
        template: 'security.password_changed',
        data: data(),
      });
      await service.deliverDue();
      clockAhead(t, HOUR);
      await service.deliverDue();
      expect(await status(id)).toMatchObject({ status: 'sent', attempts: 2 });
      expect((await attemptsOf(id)).map((a) => [a.status, a.error_code])).toEqual([
        ['failed', 'timeout'],
        ['sent', null],
      ]);
    });

    it('WhatsApp messages go through NotificationsService.send to the Cloud API', async () => {
      api.respond = (req) =>
        req.path === WA_PATH
          ? { status: 200, body: { messages: [{ id: 'wamid.e2e' }] } }
          : { status: 404, body: { message: 'no' } };
      const { id } = await service.send({
        channel: 'whatsapp',
        to: '+4915112345678',
        template: 'security.password_changed',
        data: data(),
      });
      await service.deliverDue();
      expect(await status(id)).toMatchObject({ status: 'sent', channel: 'whatsapp', provider_message_id: 'wamid.e2e' });
      const request = api
        .to(WA_PATH)
        .find((r) => (r.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data === id);
      expect(request?.headers.authorization).toBe(`Bearer ${WA_TOKEN}`);
      expect(request?.body).toMatchObject({
        messaging_product: 'whatsapp',
        to: '4915112345678',
        type: 'text',
        text: { preview_url: false, body: expect.stringMatching(/^Bastion: your password was changed\n\nHi Jane,/) },
      });
    });
  });

  describe('circuit breaker', () => {
    it('opens after repeated failures and stops calling the provider, lets one trial through when half-open, closes on success', async () => {
      await withTestApp(
        {
          env: httpEnv({
            NOTIFICATIONS_BREAKER_VOLUME: '2',
            NOTIFICATIONS_BREAKER_ERROR_PERCENT: '50',
            NOTIFICATIONS_BREAKER_RESET_MS: '300',
          }),
        },
        async (t) => {
          const service = t.app.get(NotificationsService);
          const state = (channel: string) => metric(t, 'notification_provider_circuit_state', { channel });
          const emailRequests = () => api.to('/emails').length;
          api.respond = () => ({ status: 503, body: { message: 'down' } });
          const before = emailRequests();

          const ids: string[] = [];
          for (const to of ['b1@example.com', 'b2@example.com', 'b3@example.com']) {
            ids.push((await service.send({ channel: 'email', to, template: 'security.password_changed', data: data() })).id);
          }
          await service.deliverDue();
          expect(await state('email')).toBe(2);
          expect(await state('whatsapp')).toBe(0);
          const afterOpen = emailRequests();
          expect(afterOpen - before).toBeGreaterThanOrEqual(2);
          expect(afterOpen - before).toBeLessThanOrEqual(3);

          // Open: everything is due, yet nothing is sent and no attempt is spent.
          clockAhead(t, HOUR);
          const attemptsBefore = await t.db.query('SELECT * FROM notification_attempts');
          expect(await service.deliverDue()).toBe(0);
          expect(emailRequests()).toBe(afterOpen);
          expect(await t.db.query('SELECT * FROM notification_attempts')).toEqual(attemptsBefore);

          // Half-open: exactly one trial; it fails, so the circuit opens again.
          await eventually(async () => (await state('email')) === 1);
          await service.deliverDue();
          expect(emailRequests()).toBe(afterOpen + 1);
          expect(await state('email')).toBe(2);

          // The provider is back: the next trial closes the circuit and the rest follow.
          api.respond = () => ({ status: 200, body: { id: 'ok' } });
          await eventually(async () => (await state('email')) === 1);
          clockAhead(t, 2 * HOUR);
          await service.deliverDue();
          expect(await state('email')).toBe(0);
          const rows = await t.db.query<{ status: string }>('SELECT status FROM notifications WHERE id = ANY($1)', [ids]);
          expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
          // One successful request per message: nothing went out twice.
          for (const id of ids) expect(byKey(id).filter((r) => r.path === '/emails').length).toBeGreaterThanOrEqual(1);
          expect(emailRequests() - afterOpen - 1).toBe(3);
        },
      );
    });
  });
});

describe('notifications in the default log mode (e2e)', () => {
  it('needs no provider configuration: messages are logged with the recipient masked, and marked sent', async () => {
    await withTestApp({ env: { NOTIFICATIONS_POLL_MS: String(HOUR) } }, async (t) => {
      const log = jest.spyOn(Logger.prototype, 'log');
      const service = t.app.get(NotificationsService);
      const email = await service.send({
        channel: 'email',
        to: 'jane.doe@example.com',
        template: 'security.mfa_enabled',
        data: { display_name: 'Jane', occurred_at: new Date().toISOString(), ip: null },
      });
      const whatsapp = await service.send({
        channel: 'whatsapp',
        to: '+4915112345689',
        template: 'security.mfa_enabled',
        data: { display_name: 'Jane', occurred_at: new Date().toISOString(), ip: null },
      });
      await service.deliverDue();
      const rows = await t.db.query<{ id: string; status: string }>('SELECT id, status FROM notifications WHERE id = ANY($1)', [
        [email.id, whatsapp.id],
      ]);
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
      const logged = log.mock.calls.map((c) => c[0] as Record<string, unknown>).filter((f) => f?.event === 'notification_logged');
      expect(logged).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            channel: 'email',
            to: 'j***@example.com',
            subject: 'Bastion: two-factor authentication is on',
          }),
          expect.objectContaining({ channel: 'whatsapp', to: '+49*********89', text: expect.stringContaining('two-factor') }),
        ]),
      );
      expect(JSON.stringify(log.mock.calls)).not.toContain('jane.doe@example.com');
      expect(JSON.stringify(log.mock.calls)).not.toContain('15112345689');
      log.mockRestore();
    });
  });
});

describe('notifications at startup (e2e, the real entry point in its own process)', () => {
  let db: TestDatabase;
  const running: RunningService[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('notifications_startup');
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => stopService(s, 'SIGKILL')));
    await db.drop();
  });

  it('EMAIL_PROVIDER=smtp without its settings refuses to start, naming every missing variable', async () => {
    const service = startService({ APP_ENV: 'test', DATABASE_URL: db.url, EMAIL_PROVIDER: 'smtp' });
    running.push(service);
    expect(await service.exited).not.toBe(0);
    const output = service.output();
    expect(output).toContain('EMAIL_FROM: is required when EMAIL_PROVIDER=smtp');
    expect(output).toContain('SMTP_HOST: is required when EMAIL_PROVIDER=smtp');
    expect(output).not.toMatch(/listening on/);
  });

  it('WHATSAPP_PROVIDER=cloud-api without its settings refuses to start too', async () => {
    const service = startService({ APP_ENV: 'test', DATABASE_URL: db.url, WHATSAPP_PROVIDER: 'cloud-api' });
    running.push(service);
    expect(await service.exited).not.toBe(0);
    expect(service.output()).toContain('WHATSAPP_PHONE_NUMBER_ID: is required when WHATSAPP_PROVIDER=cloud-api');
    expect(service.output()).toContain('WHATSAPP_TOKEN: is required when WHATSAPP_PROVIDER=cloud-api');
  });

  it('with no provider configuration it starts and logs the security notices it would send', async () => {
    const service = startService({ APP_ENV: 'test', DATABASE_URL: db.url, LOG_LEVEL: 'info' });
    running.push(service);
    const base = await waitForListening(service);
    expect(service.logLines().find((l) => l.event === 'notifications_configured')).toMatchObject({
      email_provider: 'log',
      whatsapp_provider: 'log',
    });

    const email = `startup.${Date.now().toString(36)}@example.com`;
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await post('/auth/register', { email, password: STRONG_PASSWORD })).status).toBe(201);
    const tokens = (await (await post('/auth/token', { email, password: STRONG_PASSWORD })).json()) as Tokens;
    const changed = await post(
      '/auth/password',
      { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD },
      { authorization: `Bearer ${tokens.access_token}` },
    );
    expect(changed.status).toBe(204);

    const masked = `s***@example.com`;
    // (Registration also logged a verification mail; this is about the security notice.)
    const notice = () =>
      service.logLines().find((l) => l.event === 'notification_logged' && l.subject === 'Bastion: your password was changed');
    await eventually(() => notice() !== undefined, 20_000);
    expect(notice()).toMatchObject({
      channel: 'email',
      to: masked,
      subject: 'Bastion: your password was changed',
      text: expect.stringContaining('The password of your Bastion account was changed.'),
    });
    expect(service.logLines().filter((l) => l.event === 'notification_logged' && JSON.stringify(l).includes(email))).toEqual([]);
    expect(await stopService(service)).toBe(0);
  });
});
