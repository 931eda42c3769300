import { AccountRecoveryService } from '../src/contexts/identity/testing';
import { Clock } from '../src/platform/clock';
import { createTestApp, type TestApp } from './support/app';
import {
  bearer,
  requestApiKey,
  login,
  register,
  requestRefresh,
  requestToken,
  STRONG_PASSWORD,
  uniqueEmail,
} from './support/auth';
import { captureEvents, type EventCapture } from './support/events';
import { eventually, settled } from './support/eventually';
import { FakeSmtpServer } from './support/fake-smtp-server';
import { expectProblem } from './support/problem';

const PUBLIC_BASE_URL = 'https://bastion.example';
const NEW_PASSWORD = 'Lantern-Quokka-Treble-Harbour-71';

/**
 * Email verification and password reset through one-time links, end to end: the request,
 * the mail on a real SMTP server, the link's token, and what the token may do (once).
 */
describe('account recovery: email verification and password reset (e2e)', () => {
  let smtp: FakeSmtpServer;
  let t: TestApp;
  let events: EventCapture;

  /** The token of the last verify or reset link mailed to `email` whose subject matches. */
  const linkToken = (email: string, subject: RegExp, count = 1): Promise<string> =>
    smtp.linkToken(email, subject, '(?:verify|reset)', count);

  const post = (url: string, payload: Record<string, unknown>) => t.inject({ method: 'POST', url: `/api/v1${url}`, payload });

  beforeAll(async () => {
    smtp = await FakeSmtpServer.start();
    t = await createTestApp({
      env: {
        PUBLIC_BASE_URL,
        ...smtp.env(),
      },
    });
    events = captureEvents(t);
  });
  afterAll(async () => {
    events.stop();
    await t.close();
    await smtp.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  describe('email verification', () => {
    it('registration mails a link; its token verifies the address once', async () => {
      const email = uniqueEmail('verify');
      const user = await register(t, email);
      expect(user.email_verified).toBe(false);

      const token = await linkToken(email, /confirm your email address/);
      const verified = await post('/auth/email/verify', { token });
      expect(verified.statusCode).toBe(200);
      expect(verified.json()).toMatchObject({ id: user.id, email, email_verified: true });
      expect(events.payloadsOf('auth.email_verified')).toContainEqual(expect.objectContaining({ user_id: user.id }));

      expectProblem(await post('/auth/email/verify', { token }), 400, 'invalid_token');
      const [row] = await t.db.query<{ email_verified_at: Date | null }>('SELECT email_verified_at FROM users WHERE id = $1', [
        user.id,
      ]);
      expect(row.email_verified_at).not.toBeNull();
    });

    it('answers a verification request the same for unverified, verified and unknown addresses; only the first gets mail', async () => {
      const unverified = uniqueEmail('again');
      await register(t, unverified);
      await linkToken(unverified, /confirm your email address/);
      const unknown = uniqueEmail('nobody');

      const answers = await Promise.all([unverified, unknown].map((email) => post('/auth/email/verification', { email })));
      for (const answer of answers) expect(answer.statusCode).toBe(202);
      expect(answers[0].body).toBe(answers[1].body);

      const newest = await linkToken(unverified, /confirm your email address/, 2);
      expect(smtp.to(unknown)).toEqual([]);
      // The newer link voids the older one, and works itself.
      expect((await post('/auth/email/verify', { token: newest })).statusCode).toBe(200);
    });

    it('refuses a token after it expired (moved clock), and a token that is not one of ours', async () => {
      const email = uniqueEmail('late');
      await register(t, email);
      const token = await linkToken(email, /confirm your email address/);
      const clock = t.app.get(Clock);
      jest.spyOn(clock, 'now').mockImplementation(() => new Date(Date.now() + 25 * 3600_000));
      expectProblem(await post('/auth/email/verify', { token }), 400, 'invalid_token');
      jest.restoreAllMocks();
      expectProblem(await post('/auth/email/verify', { token: 'x'.repeat(43) }), 400, 'invalid_token');
      expectProblem(await post('/auth/email/verify', { token: 'short' }), 400, 'invalid_token');
      expect(events.payloadsOf('auth.token_rejected').length).toBeGreaterThanOrEqual(3);
    });
  });

  describe('password reset', () => {
    it('forgot → mail → reset: the old password stops working, the new one works, every session ends, a lockout ends', async () => {
      const email = uniqueEmail('reset');
      const user = await register(t, email);
      const session = await login(t, email);
      const apiKey = await requestApiKey(t, bearer(session), { name: 'ci' });
      expect(apiKey.statusCode).toBe(201);
      // Someone locks the account by guessing.
      for (let i = 0; i < 10; i++) await requestToken(t, { email, password: 'Wrong-Guess-Wrong-Guess-1' }, { ip: `10.9.0.${i}` });
      expectProblem(await requestToken(t, { email, password: STRONG_PASSWORD }, { ip: '10.9.1.1' }), 429, 'too_many_attempts');

      expect((await post('/auth/password/forgot', { email })).statusCode).toBe(202);
      const token = await linkToken(email, /reset your password/);

      const weak = await post('/auth/password/reset', { token, new_password: 'short' });
      expectProblem(weak, 400, 'weak_password');
      // A refused password does not burn the link.
      expect((await post('/auth/password/reset', { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);

      expectProblem(await post('/auth/password/reset', { token, new_password: NEW_PASSWORD }), 400, 'invalid_token');
      expectProblem(await requestToken(t, { email, password: STRONG_PASSWORD }, { ip: '10.9.1.2' }), 401, 'invalid_credentials');
      expect((await requestToken(t, { email, password: NEW_PASSWORD }, { ip: '10.9.1.3' })).statusCode).toBe(200);
      expect((await requestRefresh(t, session.refresh_token)).statusCode).toBe(401);
      const keyUse = await t.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization: `ApiKey ${apiKey.json().key}` },
      });
      expect(keyUse.statusCode).toBe(401);
      expect(events.payloadsOf('auth.password_reset')).toContainEqual(
        expect.objectContaining({ user_id: user.id, sessions_revoked: 1, api_keys_revoked: 1 }),
      );
      await eventually(() => smtp.to(email).some((m) => m.parsed.subject === 'Bastion: your password was changed'));
    });

    it('answers forgot the same for known and unknown addresses, and mails only the known one', async () => {
      const known = uniqueEmail('known');
      await register(t, known);
      const unknown = uniqueEmail('unknown');
      const [a, b] = await Promise.all([known, unknown].map((email) => post('/auth/password/forgot', { email })));
      expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
      expect(a.body).toBe(b.body);
      await linkToken(known, /reset your password/);
      expect(smtp.to(unknown)).toEqual([]);
    });

    it('lets exactly one of two parallel uses of a link through', async () => {
      const email = uniqueEmail('race');
      await register(t, email);
      await post('/auth/password/forgot', { email });
      const token = await linkToken(email, /reset your password/);
      const results = await Promise.all(
        [NEW_PASSWORD, `${NEW_PASSWORD}-b`].map((new_password) => post('/auth/password/reset', { token, new_password })),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([204, 400]);
    });

    it('voids the reset link when the password is changed another way, and when it expires', async () => {
      const email = uniqueEmail('void');
      await register(t, email);
      const session = await login(t, email);
      await post('/auth/password/forgot', { email });
      const token = await linkToken(email, /reset your password/);
      const changed = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: bearer(session),
        payload: { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD },
      });
      expect(changed.statusCode).toBe(204);
      expectProblem(await post('/auth/password/reset', { token, new_password: `${NEW_PASSWORD}-c` }), 400, 'invalid_token');

      await post('/auth/password/forgot', { email });
      const late = await linkToken(email, /reset your password/, 2);
      const clock = t.app.get(Clock);
      jest.spyOn(clock, 'now').mockImplementation(() => new Date(Date.now() + 31 * 60_000));
      expectProblem(await post('/auth/password/reset', { token: late, new_password: `${NEW_PASSWORD}-d` }), 400, 'invalid_token');
    });

    it('limits link requests per address (known or not, the same 429) and per client IP', async () => {
      const known = uniqueEmail('limit-known');
      await register(t, known);
      const unknown = uniqueEmail('limit-unknown');
      const ask = (email: string, ip: string) =>
        t.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email }, remoteAddress: ip });
      for (const email of [known, unknown]) {
        const answers = [];
        // Three per address per 15 minutes, from any IP.
        for (let i = 0; i < 4; i++) answers.push(await ask(email, `10.61.0.${i + 1}`));
        expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 429]);
        const refused = expectProblem(answers[3], 429, 'rate_limited');
        expect(Number(answers[3].headers['retry-after'])).toBeGreaterThan(0);
        expect(answers[2].headers['x-ratelimit-remaining']).toBe('0');
        expect(refused).toMatchObject({ detail: 'Too many requests for this address. Try again later.' });
      }
      // Twenty per client IP per hour, across addresses.
      const fromOneIp = [];
      for (let i = 0; i < 21; i++) fromOneIp.push((await ask(uniqueEmail(`ip-${i}`), '10.62.0.1')).statusCode);
      expect(fromOneIp.slice(0, 20).every((status) => status === 202)).toBe(true);
      expect(fromOneIp[20]).toBe(429);
    });

    it('keeps no link in the database: tokens are stored hashed, and a sent mail loses its link', async () => {
      const email = uniqueEmail('stored');
      await register(t, email);
      await post('/auth/password/forgot', { email });
      const token = await linkToken(email, /reset your password/);
      const tokenRows = await t.db.query<{ token_hash: string }>(
        'SELECT token_hash FROM one_time_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1',
        [email],
      );
      expect(tokenRows.length).toBeGreaterThan(0);
      for (const row of tokenRows) expect(row.token_hash).not.toContain(token);
      const mailRows = () =>
        t.db.query<{ data: Record<string, unknown>; status: string }>(
          'SELECT data, status FROM notifications WHERE recipient = $1',
          [email],
        );
      // Both mails (verification, reset) sent: the row of each has dropped its link.
      await eventually(async () => {
        const rows = await mailRows();
        return rows.length === 2 && rows.every((r) => r.status === 'sent');
      });
      expect((await mailRows()).map((r) => 'link' in r.data)).toEqual([false, false]);
      const audit = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_events WHERE metadata::text LIKE $1', [
        `%${token}%`,
      ]);
      expect(Number(audit[0].n)).toBe(0);
    });
  });

  describe('email change', () => {
    it('mails a link to the new address and a notice to the old one; the link moves the account, once', async () => {
      const old = uniqueEmail('move-old');
      const user = await register(t, old);
      const session = await login(t, old);
      const change = (payload: Record<string, unknown>) =>
        t.inject({ method: 'POST', url: '/api/v1/auth/email/change', headers: bearer(session), payload });
      const target = uniqueEmail('move-new');

      expectProblem(
        await change({ new_email: target, current_password: 'not-my-password-at-all' }),
        400,
        'invalid_current_password',
      );
      expectProblem(await change({ new_email: old, current_password: STRONG_PASSWORD }), 400, 'validation_failed');
      expect((await change({ new_email: target, current_password: STRONG_PASSWORD })).statusCode).toBe(202);

      await eventually(() =>
        smtp.to(old).some((m) => m.parsed.subject === 'Bastion: a change of your email address was requested'),
      );
      const notice = smtp.to(old).find((m) => m.parsed.subject === 'Bastion: a change of your email address was requested')!;
      expect(notice.parsed.text).not.toContain('token=');
      await eventually(() => smtp.to(target).length === 1);
      const match = /#\/confirm-email\?token=([A-Za-z0-9_-]{43})/.exec(smtp.to(target)[0].parsed.text ?? '');
      const token = match![1];

      const confirmed = await post('/auth/email/change/confirm', { token });
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.json()).toMatchObject({ id: user.id, email: target, email_verified: true });
      expectProblem(await post('/auth/email/change/confirm', { token }), 400, 'invalid_token');
      expect((await requestToken(t, { email: target, password: STRONG_PASSWORD })).statusCode).toBe(200);
      expectProblem(await requestToken(t, { email: old, password: STRONG_PASSWORD }), 401, 'invalid_credentials');
      expect(events.payloadsOf('auth.email_changed')).toContainEqual(
        expect.objectContaining({ user_id: user.id, old_email: old, new_email: target }),
      );
    });

    it('answers a taken new address the same, audits it and tells the old address alike, and sends the taken one nothing', async () => {
      const mine = uniqueEmail('move-mine');
      await register(t, mine);
      const taken = uniqueEmail('move-taken');
      await register(t, taken);
      await linkToken(taken, /confirm your email address/);
      const session = await login(t, mine);
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/email/change',
        headers: bearer(session),
        payload: { new_email: taken, current_password: STRONG_PASSWORD },
      });
      expect(res.statusCode).toBe(202);
      // The same record and the same heads-up to the old address as for a free one; only no link.
      expect(events.payloadsOf('auth.email_change_requested')).toContainEqual(
        expect.objectContaining({ new_email: taken, email: mine, token_link: '' }),
      );
      await eventually(() =>
        smtp.to(mine).some((m) => m.parsed.subject === 'Bastion: a change of your email address was requested'),
      );
      const [audited] = await t.db.query<{ metadata: Record<string, unknown> }>(
        `SELECT metadata FROM audit_events WHERE type = 'auth.email_change_requested' ORDER BY seq DESC LIMIT 1`,
      );
      expect(audited.metadata).toMatchObject({ token_link: '[redacted]', expires_at: expect.any(String) });
      await settled(t);
      expect(smtp.to(taken).every((m) => !/confirm your new email address/.test(m.parsed.subject ?? ''))).toBe(true);
    });

    it('limits change requests per new address, like the other requests that mail a link', async () => {
      const target = uniqueEmail('move-limited');
      const answers = [];
      for (let i = 0; i < 4; i++) {
        const who = uniqueEmail(`mover-${i}`);
        await register(t, who);
        const session = await login(t, who);
        answers.push(
          await t.inject({
            method: 'POST',
            url: '/api/v1/auth/email/change',
            headers: bearer(session),
            payload: { new_email: target.toUpperCase(), current_password: STRONG_PASSWORD },
            remoteAddress: `10.63.0.${i + 1}`,
          }),
        );
      }
      expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 429]);
      expectProblem(answers[3], 429, 'rate_limited');
    });
  });

  it('the hourly cleanup deletes tokens spent or expired over a day ago, and keeps live ones', async () => {
    const email = uniqueEmail('cleanup');
    const user = await register(t, email);
    await linkToken(email, /confirm your email address/);
    const count = async (): Promise<number> =>
      Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM one_time_tokens WHERE user_id = $1', [user.id]))[0].n);
    await t.app.get(AccountRecoveryService).cleanupScheduled();
    expect(await count()).toBe(1);
    const clock = t.app.get(Clock);
    jest.spyOn(clock, 'now').mockImplementation(() => new Date(Date.now() + 50 * 3600_000));
    await t.app.get(AccountRecoveryService).cleanupScheduled();
    expect(await count()).toBe(0);
  });
});

describe('registration where a verified address is required (e2e)', () => {
  let t: TestApp;
  let events: EventCapture;

  beforeAll(async () => {
    t = await createTestApp({ env: { REQUIRE_EMAIL_VERIFICATION: 'true' } });
    events = captureEvents(t);
  });
  afterAll(async () => {
    events.stop();
    await t.close();
  });

  it('answers a new and a taken address with byte-identical status and body; the owner of the taken one is told', async () => {
    const taken = uniqueEmail('taken');
    const first = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: taken, password: STRONG_PASSWORD },
    });
    const again = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: taken, password: STRONG_PASSWORD },
    });
    const fresh = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: uniqueEmail('fresh'), password: STRONG_PASSWORD },
    });
    expect([first.statusCode, again.statusCode, fresh.statusCode]).toEqual([202, 202, 202]);
    expect(again.body).toBe(fresh.body);
    expect(first.body).toBe(fresh.body);
    await eventually(() => events.payloadsOf('auth.registration_attempted').some((e) => e.email === taken));
  });

  it('refuses a login on an unverified address with the right password (403), never before the password is checked', async () => {
    const email = uniqueEmail('unverified');
    await t.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: STRONG_PASSWORD } });
    expectProblem(await requestToken(t, { email, password: `${STRONG_PASSWORD}-wrong` }), 401, 'invalid_credentials');
    expectProblem(await requestToken(t, { email, password: STRONG_PASSWORD }), 403, 'email_not_verified');

    await eventually(() => events.payloadsOf('auth.email_verification_requested').some((e) => e.email === email));
    const link = events.payloadsOf('auth.email_verification_requested').find((e) => e.email === email)!.token_link as string;
    const token = new URL(link).hash.split('token=')[1];
    expect((await t.inject({ method: 'POST', url: '/api/v1/auth/email/verify', payload: { token } })).statusCode).toBe(200);
    expect((await requestToken(t, { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
  });
});
