import { generateSync } from 'otplib';
import { MfaService, Totp } from '../src/contexts/identity/testing';
import { Clock } from '../src/platform/clock';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import {
  bearer,
  requestApiKey,
  login,
  person,
  type Person,
  requestRefresh,
  requestToken,
  STRONG_PASSWORD,
  type Tokens,
} from './support/auth';
import { captureEvents, type CapturedEvent } from './support/events';

const ADMIN_EMAIL = 'console.admin@example.com';
const ADMIN_PASSWORD = 'console-admin-passphrase-Tr0ub4dor';
const T0 = Date.parse('2026-11-23T12:00:10Z');

describe('TOTP MFA, API keys and the admin user console (e2e)', () => {
  let t: TestApp;
  let events: CapturedEvent[];
  let clockAt = T0;

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
    events = captureEvents(t).events;
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    clockAt = T0;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(clockAt));
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const named = (name: string, userId: string): CapturedEvent[] =>
    events.filter((e) => e.name === name && e.payload.user_id === userId);
  const codeAt = (secret: string, ms: number): string => generateSync({ secret, epoch: Math.floor(ms / 1000) });
  const tokenRequest = (payload: Record<string, string>, ip = '192.0.2.20') => requestToken(t, payload, { ip });
  /** POST /api/v1/auth/mfa/totp/enroll as `tokens`' user (on `app`, the suite's by default). */
  const enrollTotp = (tokens: Tokens, app: TestApp = t) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/mfa/totp/enroll', headers: bearer(tokens) });
  /** POST /api/v1/auth/mfa/totp/activate with `code` as `tokens`' user. */
  const activateTotp = (tokens: Tokens, code: string, app: TestApp = t) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/mfa/totp/activate', headers: bearer(tokens), payload: { code } });

  async function enrolledUser(): Promise<Person & { secret: string; recovery: string[] }> {
    const { id, email, tokens } = await person(t, 'mfa');
    const enroll = await enrollTotp(tokens);
    expect(enroll.statusCode).toBe(200);
    const { secret, otpauth_url, qr_svg } = enroll.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauth_url).toContain(`secret=${secret}`);
    expect(otpauth_url).toContain('issuer=Bastion');
    expect(qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const activate = await activateTotp(tokens, codeAt(secret, clockAt));
    expect(activate.statusCode).toBe(200);
    const recovery: string[] = activate.json().recovery_codes;
    return { email, id, tokens, secret, recovery };
  }

  describe('TOTP', () => {
    it('stores the secret sealed, not in the clear', async () => {
      const { id, secret } = await enrolledUser();
      const [row] = await t.db.query<{ secret_ciphertext: string; key_id: string; enabled_at: Date | null }>(
        `SELECT secret_ciphertext, key_id, enabled_at FROM user_mfa WHERE user_id = $1`,
        [id],
      );
      expect(row.key_id).toBe('dev');
      expect(row.enabled_at).not.toBeNull();
      expect(row.secret_ciphertext).not.toContain(secret);
      expect(row.secret_ciphertext.split('.')).toHaveLength(3);
      expect(JSON.stringify(await t.db.query(`SELECT * FROM user_mfa WHERE user_id = $1`, [id]))).not.toContain(secret);
    });

    it('activation needs a valid code and yields 10 recovery codes, stored hashed', async () => {
      const { id, email, tokens } = await person(t, 'activate');
      const notEnrolled = await activateTotp(tokens, '123456');
      expect(notEnrolled.statusCode).toBe(409);
      expect(notEnrolled.json().code).toBe('mfa_not_enrolled');
      const { secret } = (await enrollTotp(tokens)).json();
      const wrong = await activateTotp(tokens, '000000');
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().code).toBe('invalid_mfa_code');
      // still off: login without a code works
      expect((await tokenRequest({ email, password: STRONG_PASSWORD })).statusCode).toBe(200);
      const ok = await activateTotp(tokens, codeAt(secret, clockAt));
      const codes: string[] = ok.json().recovery_codes;
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      const stored = await t.db.query<{ code_hash: string }>(`SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1`, [id]);
      expect(stored).toHaveLength(10);
      for (const c of codes) expect(JSON.stringify(stored)).not.toContain(c);
      expect(named('auth.mfa_enabled', id)).toHaveLength(1);
      const again = await enrollTotp(tokens);
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('mfa_already_enabled');
    });

    it('two activations at once: one 200, the other 409 mfa_already_enabled; the codes it gave are the ones that work', async () => {
      const { id, email, tokens } = await person(t, 'activate-twice');
      const { secret } = (await enrollTotp(tokens)).json();
      const code = codeAt(secret, clockAt);
      const answers = await Promise.all([activateTotp(tokens, code), activateTotp(tokens, code)]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
      const won = answers.find((a) => a.statusCode === 200)!;
      expect(answers.find((a) => a.statusCode === 409)!.json().code).toBe('mfa_already_enabled');
      expect(named('auth.mfa_enabled', id)).toHaveLength(1);
      const [recovery] = won.json().recovery_codes as string[];
      expect((await tokenRequest({ email, password: STRONG_PASSWORD, recovery_code: recovery }, '192.0.2.41')).statusCode).toBe(
        200,
      );
      // A new enrolment beside the active factor is refused, and leaves it active.
      expect((await enrollTotp(tokens)).statusCode).toBe(409);
      const [row] = await t.db.query<{ enabled_at: Date | null }>('SELECT enabled_at FROM user_mfa WHERE user_id = $1', [id]);
      expect(row.enabled_at).not.toBeNull();
    });

    it('an activation whose enrolment was replaced while its code was checked: 400 invalid_mfa_code, MFA stays off', async () => {
      const { id, tokens } = await person(t, 'activate-replaced');
      const { secret } = (await enrollTotp(tokens)).json();
      // Another enrolment (a new secret) commits after this activation has read the first one.
      const mfa = t.app.get(MfaService);
      const verifyCode = Totp.verify.bind(Totp);
      const spy = jest.spyOn(Totp, 'verify').mockImplementation(async (...args: Parameters<typeof Totp.verify>) => {
        const step = await verifyCode(...args);
        await t.db.query(`UPDATE user_mfa SET secret_ciphertext = 'replaced' WHERE user_id = $1`, [id]);
        return step;
      });
      try {
        const answer = await activateTotp(tokens, codeAt(secret, clockAt));
        expect(answer.statusCode).toBe(400);
        expect(answer.json().code).toBe('invalid_mfa_code');
      } finally {
        spy.mockRestore();
      }
      expect(await mfa.isEnabled(id)).toBe(false);
    });

    it('login then needs the code: none → 401 mfa_required and no tokens; valid → tokens; replayed → refused', async () => {
      const { email, id, secret } = await enrolledUser();
      clockAt = T0 + 60_000;
      const missing = await tokenRequest({ email, password: STRONG_PASSWORD });
      expect(missing.statusCode).toBe(401);
      expect(missing.json().code).toBe('mfa_required');
      expect(missing.json().access_token).toBeUndefined();

      const code = codeAt(secret, clockAt);
      const ok = await tokenRequest({ email, password: STRONG_PASSWORD, totp_code: code });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().access_token).toEqual(expect.any(String));

      const replay = await tokenRequest({ email, password: STRONG_PASSWORD, totp_code: code }, '192.0.2.21');
      expect(replay.statusCode).toBe(401);
      expect(replay.json().code).toBe('invalid_mfa_code');

      // the previous step's code is older than the one just used: refused too
      expect(
        (await tokenRequest({ email, password: STRONG_PASSWORD, totp_code: codeAt(secret, clockAt - 30_000) }, '192.0.2.22'))
          .statusCode,
      ).toBe(401);
      clockAt += 30_000;
      expect(
        (await tokenRequest({ email, password: STRONG_PASSWORD, totp_code: codeAt(secret, clockAt) }, '192.0.2.23')).statusCode,
      ).toBe(200);
      // a wrong password with a valid code is still a plain 401
      clockAt += 30_000;
      const wrongPassword = await tokenRequest(
        { email, password: 'not-the-password-9', totp_code: codeAt(secret, clockAt) },
        '192.0.2.24',
      );
      expect(wrongPassword.json().code).toBe('invalid_credentials');
      expect(named('auth.mfa_failed', id).map((e) => e.payload.stage)).toEqual(['login', 'login']);
    });

    it('a recovery code works once, in any case and without its dash', async () => {
      const { email, id, recovery } = await enrolledUser();
      const first = await tokenRequest({
        email,
        password: STRONG_PASSWORD,
        recovery_code: recovery[0].toUpperCase().replace('-', ''),
      });
      expect(first.statusCode).toBe(200);
      const second = await tokenRequest({ email, password: STRONG_PASSWORD, recovery_code: recovery[0] }, '192.0.2.30');
      expect(second.statusCode).toBe(401);
      expect(second.json().code).toBe('invalid_mfa_code');
      expect(named('auth.recovery_code_used', id).map((e) => e.payload.remaining)).toEqual([9]);
    });

    it('failed codes count toward the lockout', async () => {
      const { email, id } = await enrolledUser();
      for (let i = 0; i < 10; i++) {
        const res = await tokenRequest({ email, password: STRONG_PASSWORD, totp_code: '000000' }, `198.51.100.${i + 1}`);
        expect(res.statusCode).toBe(401);
      }
      expect(events.filter((e) => e.name === 'auth.account_locked' && e.payload.user_id === id)).toHaveLength(1);
      expect((await tokenRequest({ email, password: STRONG_PASSWORD }, '198.51.100.50')).statusCode).toBe(429);
    });

    it('disabling needs the password and a valid code; afterwards login needs no code', async () => {
      const { email, id, tokens, secret, recovery } = await enrolledUser();
      const disable = (payload: Record<string, string>) =>
        t.inject({ method: 'POST', url: '/api/v1/auth/mfa/totp/disable', headers: bearer(tokens), payload });
      clockAt = T0 + 120_000;
      expect((await disable({ password: 'not-the-password-9', code: codeAt(secret, clockAt) })).json().code).toBe(
        'invalid_current_password',
      );
      expect((await disable({ password: STRONG_PASSWORD })).json().code).toBe('invalid_mfa_code');
      expect((await disable({ password: STRONG_PASSWORD, code: '000000' })).statusCode).toBe(400);
      expect((await disable({ password: STRONG_PASSWORD, recovery_code: recovery[3] })).statusCode).toBe(204);
      expect(named('auth.mfa_disabled', id)).toHaveLength(1);
      expect(await t.db.query(`SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1`, [id])).toEqual([]);
      expect((await tokenRequest({ email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    });
  });

  describe('MFA_REQUIRED_FOR_ADMINS', () => {
    it('an admin without MFA can log in but gets 403 mfa_enrollment_required on admin routes until MFA is active', async () => {
      const email = 'mfa.admin@example.com';
      await withTestApp({ env: { ADMIN_EMAIL: email, ADMIN_PASSWORD, MFA_REQUIRED_FOR_ADMINS: 'true' } }, async (other) => {
        const now = Date.now();
        const admin = await login(other, email, ADMIN_PASSWORD);
        const refused = await other.inject({ method: 'GET', url: '/api/v1/auth/users', headers: bearer(admin) });
        expect(refused.statusCode).toBe(403);
        expect(refused.json().code).toBe('mfa_enrollment_required');
        // non-admin routes still work
        expect((await other.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(admin) })).statusCode).toBe(200);
        const { secret } = (await enrollTotp(admin, other)).json();
        const activated = await activateTotp(admin, codeAt(secret, now), other);
        expect(activated.statusCode).toBe(200);
        expect((await other.inject({ method: 'GET', url: '/api/v1/auth/users', headers: bearer(admin) })).statusCode).toBe(200);
      });
    });
  });

  describe('personal API keys', () => {
    it('are shown once, listed without the key, authenticate as the owner, and stop working when revoked', async () => {
      const { id, tokens } = await person(t, 'keys');
      const created = await requestApiKey(t, bearer(tokens), { name: 'CI deploy' });
      expect(created.statusCode).toBe(201);
      const key = created.json();
      expect(key.key).toMatch(/^bst_[A-Za-z0-9_-]{43}$/);
      expect(key).toMatchObject({ name: 'CI deploy', prefix: key.key.slice(0, 12), last_used_at: null, expires_at: null });
      const stored = await t.db.query<{ secret_hash: string }>(`SELECT secret_hash FROM api_keys WHERE id = $1`, [key.id]);
      expect(stored[0].secret_hash).not.toContain(key.key.slice(4));

      const list = await t.inject({ method: 'GET', url: '/api/v1/auth/api-keys', headers: bearer(tokens) });
      expect(list.json()).toMatchObject({ total: 1, items: [{ id: key.id, prefix: key.prefix }] });
      expect(list.body).not.toContain(key.key);

      const viaHeader = await t.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization: `ApiKey ${key.key}` },
      });
      expect(viaHeader.statusCode).toBe(200);
      expect(viaHeader.json().id).toBe(id);
      const viaXApiKey = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-api-key': key.key } });
      expect(viaXApiKey.json().id).toBe(id);
      const listed = (await t.inject({ method: 'GET', url: '/api/v1/auth/api-keys', headers: bearer(tokens) })).json();
      expect(listed.items[0].last_used_at).toEqual(expect.any(String));

      // a key cannot manage keys or the password
      const mint = await requestApiKey(t, { 'x-api-key': key.key }, { name: 'x' });
      expect(mint.statusCode).toBe(403);
      expect(mint.json().code).toBe('session_required');

      expect(
        (await t.inject({ method: 'DELETE', url: `/api/v1/auth/api-keys/${key.id}`, headers: bearer(tokens) })).statusCode,
      ).toBe(204);
      const revoked = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-api-key': key.key } });
      expect(revoked.statusCode).toBe(401);
      expect(
        events.filter((e) => e.name === 'auth.api_key_rejected' && e.payload.api_key_id === key.id).map((e) => e.payload.reason),
      ).toEqual(['revoked']);
      expect(
        events.filter(
          (e) => ['auth.api_key_created', 'auth.api_key_revoked'].includes(e.name) && e.payload.api_key_id === key.id,
        ),
      ).toHaveLength(2);
      expect(
        (await t.inject({ method: 'DELETE', url: `/api/v1/auth/api-keys/${key.id}`, headers: bearer(tokens) })).statusCode,
      ).toBe(404);
    });

    it('expired keys are refused; an expiry in the past is a 400; garbage keys are a plain 401', async () => {
      const { tokens } = await person(t, 'expiry');
      const past = await requestApiKey(t, bearer(tokens), { name: 'old', expires_at: new Date(clockAt - 1000).toISOString() });
      expect(past.statusCode).toBe(400);
      expect(past.json().errors[0]).toMatchObject({ field: 'expires_at' });
      // ISO 8601 forms Date cannot read (a week date, the basic form, an hour-only time): 400, not a 500 from PostgreSQL.
      for (const expires_at of ['2027-W10-3', '20270630T100000Z', '2027-06-30T10Z']) {
        const odd = await requestApiKey(t, bearer(tokens), { name: 'odd', expires_at });
        expect(odd.statusCode).toBe(400);
        expect(odd.json().errors).toEqual([expect.objectContaining({ field: 'expires_at', code: 'is_iso8601' })]);
      }
      // A name of spaces only was stored as '' (it is trimmed): a 400 now.
      const blank = await requestApiKey(t, bearer(tokens), { name: '   ' });
      expect(blank.statusCode).toBe(400);
      expect(blank.json().errors).toEqual([expect.objectContaining({ field: 'name', code: 'matches' })]);
      const key = (
        await requestApiKey(t, bearer(tokens), { name: 'short', expires_at: new Date(clockAt + 60_000).toISOString() })
      ).json();
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-api-key': key.key } })).statusCode).toBe(200);
      clockAt += 61_000;
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-api-key': key.key } })).statusCode).toBe(401);
      for (const bad of ['bst_short', `bst_${'A'.repeat(43)}`, 'not-a-key']) {
        expect(
          (await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `ApiKey ${bad}` } })).statusCode,
        ).toBe(401);
      }
    });
  });

  describe('admin user console', () => {
    let admin: Tokens;
    const tag = `console${Date.now().toString(36)}`;
    const users: { id: string; email: string }[] = [];

    beforeAll(async () => {
      admin = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      for (let i = 0; i < 5; i++) {
        const email = `${tag}.${i}@example.com`;
        const res = await t.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { email, password: STRONG_PASSWORD, display_name: i === 4 ? `Zed ${tag.toUpperCase()}` : `User ${i}` },
        });
        users.push({ id: res.json().id, email });
      }
    });

    it('searches email and display name case-insensitively, with pagination, role and status filters', async () => {
      const page1 = await t.inject({
        method: 'GET',
        url: `/api/v1/auth/users?q=${tag.toUpperCase()}&page_size=2`,
        headers: bearer(admin),
      });
      expect(page1.statusCode).toBe(200);
      expect(page1.json()).toMatchObject({ total: 5, page: 1, page_size: 2, pages: 3 });
      expect(page1.json().items).toHaveLength(2);
      const page3 = await t.inject({
        method: 'GET',
        url: `/api/v1/auth/users?q=${tag}&page_size=2&page=3`,
        headers: bearer(admin),
      });
      expect(page3.json().items).toHaveLength(1);
      const all = [
        ...page1.json().items,
        ...(
          await t.inject({ method: 'GET', url: `/api/v1/auth/users?q=${tag}&page_size=2&page=2`, headers: bearer(admin) })
        ).json().items,
        ...page3.json().items,
      ];
      expect(new Set(all.map((u: { id: string }) => u.id))).toEqual(new Set(users.map((u) => u.id)));
      expect(all[0]).not.toHaveProperty('password_hash');

      const byName = await t.inject({ method: 'GET', url: `/api/v1/auth/users?q=zed%20${tag}`, headers: bearer(admin) });
      expect(byName.json().items.map((u: { id: string }) => u.id)).toEqual([users[4].id]);
      const admins = await t.inject({ method: 'GET', url: '/api/v1/auth/users?role=admin', headers: bearer(admin) });
      expect(admins.json().items.map((u: { email: string }) => u.email)).toEqual([ADMIN_EMAIL]);
      const wildcard = await t.inject({ method: 'GET', url: '/api/v1/auth/users?q=%25', headers: bearer(admin) });
      expect(wildcard.json().total).toBe(0);
      const bad = await t.inject({ method: 'GET', url: '/api/v1/auth/users?is_active=maybe&role=root', headers: bearer(admin) });
      expect(bad.statusCode).toBe(400);
      const someone = await login(t, users[0].email);
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/users', headers: bearer(someone) })).statusCode).toBe(403);
    });

    it('bulk deactivation: a mix of existing, missing and already-inactive ids; sessions, refresh tokens and keys stop working', async () => {
      const victim = await login(t, users[1].email);
      const victimKey = (await requestApiKey(t, bearer(victim), { name: 'k' })).json().key as string;
      const missing = '00000000-0000-4000-8000-00000000abcd';
      const first = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/users/bulk',
        headers: bearer(admin),
        payload: { ids: [users[2].id], action: 'deactivate' },
      });
      expect(first.json()).toEqual({ requested: 1, updated: 1, unchanged: 0, not_found: [] });

      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/users/bulk',
        headers: bearer(admin),
        payload: { ids: [users[1].id, users[2].id, missing, users[1].id], action: 'deactivate' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ requested: 3, updated: 1, unchanged: 1, not_found: [missing] });

      const refresh = await requestRefresh(t, victim.refresh_token);
      expect(refresh.statusCode).toBe(401);
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-api-key': victimKey } })).statusCode).toBe(
        401,
      );
      expect((await tokenRequest({ email: users[1].email, password: STRONG_PASSWORD }, '203.0.113.77')).statusCode).toBe(401);
      const deactivated = events.find((e) => e.name === 'auth.user_deactivated' && e.payload.user_id === users[1].id)!;
      expect(deactivated.payload).toMatchObject({ sessions_revoked: 1, api_keys_revoked: 1, by_user_id: expect.any(String) });
      expect(events.filter((e) => e.name === 'auth.users_bulk_updated').at(-1)!.payload).toMatchObject({
        action: 'deactivate',
        updated: 1,
        not_found: 1,
      });

      const back = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/users/bulk',
        headers: bearer(admin),
        payload: { ids: [users[1].id], action: 'activate' },
      });
      expect(back.json()).toMatchObject({ updated: 1 });
      expect((await tokenRequest({ email: users[1].email, password: STRONG_PASSWORD }, '203.0.113.78')).statusCode).toBe(200);
    });

    it('refuses self-deactivation, more than 500 ids, and ids that are not UUIDs', async () => {
      const me = (await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(admin) })).json();
      const self = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/users/bulk',
        headers: bearer(admin),
        payload: { ids: [me.id], action: 'deactivate' },
      });
      expect(self.statusCode).toBe(400);
      expect(self.json().code).toBe('cannot_deactivate_self');
      const tooMany = Array.from({ length: 501 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
      expect(
        (
          await t.inject({
            method: 'POST',
            url: '/api/v1/auth/users/bulk',
            headers: bearer(admin),
            payload: { ids: tooMany, action: 'activate' },
          })
        ).statusCode,
      ).toBe(400);
      const notUuid = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/users/bulk',
        headers: bearer(admin),
        payload: { ids: ['x'], action: 'activate' },
      });
      expect(notUuid.statusCode).toBe(400);
      expect(
        (
          await t.inject({
            method: 'POST',
            url: '/api/v1/auth/users/bulk',
            headers: bearer(admin),
            payload: { ids: [me.id], action: 'promote' },
          })
        ).statusCode,
      ).toBe(400);
    });
  });
});
