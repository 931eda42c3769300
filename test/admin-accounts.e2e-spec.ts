import type { LightMyRequestResponse } from 'fastify';
import { Clock } from '../src/platform/clock';
import { createTestApp, type TestApp } from './support/app';
import {
  bearer,
  login,
  loginPerson,
  type Person,
  person,
  register,
  requestApiKey,
  requestRefresh,
  requestToken,
  STRONG_PASSWORD,
  type Tokens,
  uniqueEmail,
} from './support/auth';
import { captureEvents, type EventCapture } from './support/events';
import { FakeSmtpServer } from './support/fake-smtp-server';
import { expectProblem } from './support/problem';

const ADMIN_EMAIL = 'accounts.admin@example.com';
const ADMIN_PASSWORD = 'accounts-admin-passphrase-Tr0ub4dor';
const PUBLIC_BASE_URL = 'https://bastion.example';
const NEW_PASSWORD = 'Lantern-Quokka-Treble-Harbour-71';
const DAY_MS = 86_400_000;
const MISSING_ID = '00000000-0000-4000-8000-00000000abcd';

/** What light-my-request calls this server: requests from a page of it carry this Origin. */
const HOST = 'accounts.example.test';
const SAME_ORIGIN = { host: HOST, origin: `http://${HOST}`, 'sec-fetch-site': 'same-origin' };

/** The role claim of an access token. */
function roleClaim(tokens: Pick<Tokens, 'access_token'>): unknown {
  return (JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString('utf8')) as { role?: unknown }).role;
}

const users = (t: TestApp, admin: Person) => ({
  invite: (payload: Record<string, unknown>, credentials: Record<string, string> = bearer(admin.tokens)) =>
    t.inject({ method: 'POST', url: '/api/v1/auth/users', headers: credentials, payload }),
  patch: (id: string, payload: unknown, credentials: Record<string, string> = bearer(admin.tokens)) =>
    t.inject({
      method: 'PATCH',
      url: `/api/v1/auth/users/${id}`,
      headers: credentials,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    }),
  remove: (id: string, credentials: Record<string, string> = bearer(admin.tokens)) =>
    t.inject({ method: 'DELETE', url: `/api/v1/auth/users/${id}`, headers: credentials }),
  resend: (id: string, credentials: Record<string, string> = bearer(admin.tokens)) =>
    t.inject({ method: 'POST', url: `/api/v1/auth/users/${id}/invitation`, headers: credentials }),
  bulk: (ids: string[], action: 'activate' | 'deactivate', credentials: Record<string, string> = bearer(admin.tokens)) =>
    t.inject({ method: 'POST', url: '/api/v1/auth/users/bulk', headers: credentials, payload: { ids, action } }),
});

const accept = (t: TestApp, token: string, password: string, query = '', headers: Record<string, string> = {}) =>
  t.inject({ method: 'POST', url: `/api/v1/auth/invitations/accept${query}`, payload: { token, password }, headers });

const me = (t: TestApp, tokens: Pick<Tokens, 'access_token'>) =>
  t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens) });

async function row(t: TestApp, id: string) {
  const [found] = await t.db.query<{
    role: string;
    is_active: boolean;
    invited_at: Date | null;
    email_verified_at: Date | null;
    password_changed_at: Date | null;
  }>('SELECT role, is_active, invited_at, email_verified_at, password_changed_at FROM users WHERE id = $1', [id]);
  return found;
}

/**
 * Admin-managed accounts end to end: invitations (the mail on a real SMTP server, the link's
 * token, accepting it once), changing a user (role, activation), closing an account, and the
 * rule that some active admin always remains.
 */
describe('admin-managed accounts (e2e)', () => {
  let smtp: FakeSmtpServer;
  let t: TestApp;
  let events: EventCapture;
  let admin: Person;
  let api: ReturnType<typeof users>;

  /** The token of the last invitation mailed to `email` (waiting for the `count`-th). */
  const invitationToken = (email: string, count = 1): Promise<string> =>
    smtp.linkToken(email, /you are invited/, 'invite', count);

  /** Invites `email` with `role`, accepts the mailed link, and returns the new user, signed in. */
  async function invitedPerson(role: 'user' | 'admin', prefix = 'invited'): Promise<Person> {
    const email = uniqueEmail(prefix);
    const invited = await api.invite({ email, role });
    expect(invited.statusCode).toBe(201);
    const accepted = await accept(t, await invitationToken(email), NEW_PASSWORD);
    expect(accepted.statusCode).toBe(200);
    return { id: invited.json().id, email, tokens: accepted.json() };
  }

  beforeAll(async () => {
    smtp = await FakeSmtpServer.start();
    t = await createTestApp({
      env: {
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        PUBLIC_BASE_URL,
        ...smtp.env(),
      },
    });
    events = captureEvents(t);
    admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    api = users(t, admin);
  });
  afterAll(async () => {
    events.stop();
    await t.close();
    await smtp.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  describe('invitations', () => {
    it('invite → mail → accept (a weak password does not burn the link) → signed in, and the password works', async () => {
      const email = uniqueEmail('Invitee').toUpperCase();
      const invited = await api.invite({ email, role: 'user', display_name: 'Grace Hopper' });
      expect(invited.statusCode).toBe(201);
      const user = invited.json();
      expect(user).toMatchObject({
        email: email.toLowerCase(),
        display_name: 'Grace Hopper',
        role: 'user',
        is_active: false,
        email_verified: false,
        status: 'invited',
        deletion_due_at: null,
        last_login_at: null,
      });
      expect(await row(t, user.id)).toMatchObject({ is_active: false, invited_at: expect.any(Date), password_changed_at: null });
      expect(events.payloadsOf('auth.user_invited')).toContainEqual({
        occurred_at: expect.any(String),
        user_id: user.id,
        email: email.toLowerCase(),
        role: 'user',
        by_user_id: admin.id,
        token_link: expect.stringMatching(/^https:\/\/bastion\.example\/console\/#\/invite\?token=/),
        expires_at: expect.any(String),
      });
      const expiresAt = Date.parse(events.payloadsOf('auth.user_invited').at(-1)!.expires_at as string);
      expect(expiresAt - Date.now()).toBeGreaterThan(7 * DAY_MS - 60_000);
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(7 * DAY_MS);

      const listed = await t.inject({
        method: 'GET',
        url: `/api/v1/auth/users?q=${encodeURIComponent(email.toLowerCase())}`,
        headers: bearer(admin.tokens),
      });
      expect(listed.json().items).toEqual([expect.objectContaining({ id: user.id, status: 'invited' })]);

      const token = await invitationToken(email.toLowerCase());
      // Nobody can sign in to an invited account, whatever the password.
      expectProblem(await requestToken(t, { email, password: NEW_PASSWORD }), 401, 'invalid_credentials');

      expectProblem(await accept(t, token, 'short'), 400, 'weak_password');
      expectProblem(await accept(t, token, `${email.toLowerCase()}-Lantern-42`), 400, 'weak_password');
      const accepted = await accept(t, token, NEW_PASSWORD);
      expect(accepted.statusCode).toBe(200);
      const tokens = accepted.json();
      expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
      expect(roleClaim(tokens)).toBe('user');
      expect(events.payloadsOf('auth.invitation_accepted')).toContainEqual(
        expect.objectContaining({ user_id: user.id, ip: expect.any(String) }),
      );

      const self = await me(t, tokens);
      expect(self.statusCode).toBe(200);
      expect(self.json()).toMatchObject({ id: user.id, is_active: true, email_verified: true, status: 'active' });
      expect(await row(t, user.id)).toMatchObject({
        is_active: true,
        email_verified_at: expect.any(Date),
        password_changed_at: expect.any(Date),
      });
      expect((await requestRefresh(t, tokens.refresh_token)).statusCode).toBe(200);
      expect((await requestToken(t, { email, password: NEW_PASSWORD })).statusCode).toBe(200);

      events.clear();
      expectProblem(await accept(t, token, NEW_PASSWORD), 400, 'invalid_token');
      expect(events.payloadsOf('auth.token_rejected')).toEqual([
        expect.objectContaining({ purpose: 'invite', ip: expect.any(String) }),
      ]);
    });

    it('accepts in cookie mode like the token endpoint, and refuses cookie mode cross-site before spending the link', async () => {
      const email = uniqueEmail('cookie-invite');
      await api.invite({ email, role: 'user' });
      const token = await invitationToken(email);
      expectProblem(
        await accept(t, token, NEW_PASSWORD, '?cookie=1', {
          ...SAME_ORIGIN,
          origin: 'https://evil.example',
          'sec-fetch-site': 'cross-site',
        }),
        403,
        'cross_site_request',
      );
      const res = await accept(t, token, NEW_PASSWORD, '?cookie=1', SAME_ORIGIN);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['access_token', 'csrf_token', 'expires_in', 'token_type']);
      expect(res.headers['cache-control']).toBe('no-store');
      const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
      expect(cookies).toEqual([
        expect.stringMatching(
          /^__Host-bastion_refresh=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; Secure; SameSite=Strict; HttpOnly$/,
        ),
        `__Host-bastion_csrf=${body.csrf_token}; Max-Age=86400; Path=/; Secure; SameSite=Strict`,
      ]);
      expect((await me(t, body)).json()).toMatchObject({ email, status: 'active' });
    });

    it('accepting ends a lockout someone built up by guessing at the invited address', async () => {
      const email = uniqueEmail('guessed');
      await api.invite({ email, role: 'user' });
      const token = await invitationToken(email);
      for (let i = 0; i < 10; i++) await requestToken(t, { email, password: 'Wrong-Guess-Wrong-Guess-1' }, { ip: `10.7.0.${i}` });
      expectProblem(await requestToken(t, { email, password: NEW_PASSWORD }, { ip: '10.7.1.1' }), 429, 'too_many_attempts');
      expect((await accept(t, token, NEW_PASSWORD)).statusCode).toBe(200);
      expect((await requestToken(t, { email, password: NEW_PASSWORD }, { ip: '10.7.1.2' })).statusCode).toBe(200);
    });

    it('two parallel accepts of one link: exactly one gets through', async () => {
      const email = uniqueEmail('race');
      await api.invite({ email, role: 'user' });
      const token = await invitationToken(email);
      const answers = await Promise.all([accept(t, token, NEW_PASSWORD), accept(t, token, `${NEW_PASSWORD}-b`)]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
      expectProblem(
        answers.find((a) => a.statusCode === 400)!,
        400,
        'invalid_token',
      );
      const sessions = await t.db.query(`SELECT s.id FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`, [
        email,
      ]);
      expect(sessions).toHaveLength(1);
    });

    it('an invitation lasts INVITE_TOKEN_TTL (7 days): refused once expired', async () => {
      const email = uniqueEmail('late');
      await api.invite({ email, role: 'user' });
      const token = await invitationToken(email);
      const clock = t.app.get(Clock);
      const start = Date.now();
      jest.spyOn(clock, 'now').mockImplementation(() => new Date(start + 7 * DAY_MS - 3600_000));
      // Still alive an hour before: the password is judged (and refused) rather than the token.
      expectProblem(await accept(t, token, 'short'), 400, 'weak_password');
      jest.spyOn(clock, 'now').mockImplementation(() => new Date(start + 7 * DAY_MS + 60_000));
      expectProblem(await accept(t, token, NEW_PASSWORD), 400, 'invalid_token');
      jest.restoreAllMocks();
      expectProblem(await accept(t, 'x'.repeat(43), NEW_PASSWORD), 400, 'invalid_token');
      expectProblem(await accept(t, 'short', NEW_PASSWORD), 400, 'invalid_token');
    });

    it('refuses a taken address (invited or not), an invalid address and an unknown role', async () => {
      const email = uniqueEmail('taken');
      expect((await api.invite({ email, role: 'user' })).statusCode).toBe(201);
      expectProblem(await api.invite({ email: email.toUpperCase(), role: 'admin' }), 409, 'email_taken');
      expectProblem(await api.invite({ email: ADMIN_EMAIL, role: 'user' }), 409, 'email_taken');
      expectProblem(await api.invite({ email: 'root@localhost', role: 'user' }), 400, 'invalid_email');
      const badRole = expectProblem(await api.invite({ email: uniqueEmail(), role: 'owner' }), 400, 'validation_failed');
      expect(badRole.errors).toEqual([expect.objectContaining({ field: 'role' })]);
      expectProblem(await api.invite({ email: uniqueEmail(), role: 'user', is_active: true }), 400, 'validation_failed');
    });

    it('resending voids the earlier link; only an account still invited can get one', async () => {
      const email = uniqueEmail('resend');
      const id = (await api.invite({ email, role: 'admin' })).json().id as string;
      const first = await invitationToken(email);
      const resent = await api.resend(id);
      expect(resent.statusCode).toBe(200);
      expect(resent.json()).toMatchObject({ id, status: 'invited', role: 'admin' });
      const second = await invitationToken(email, 2);
      expect(second).not.toBe(first);
      expectProblem(await accept(t, first, NEW_PASSWORD), 400, 'invalid_token');
      const accepted = await accept(t, second, NEW_PASSWORD);
      expect(accepted.statusCode).toBe(200);
      expect(roleClaim(accepted.json())).toBe('admin');

      expectProblem(await api.resend(id), 409, 'not_invited');
      expectProblem(await api.resend(MISSING_ID), 404, 'user_not_found');
    });

    it('a link stops working when its account is closed meanwhile', async () => {
      const email = uniqueEmail('closed-invite');
      const id = (await api.invite({ email, role: 'user' })).json().id as string;
      const token = await invitationToken(email);
      await t.db.query(
        `UPDATE users SET deletion_requested_at = now(), deletion_due_at = now() + interval '7 days', deletion_requested_by = $2 WHERE id = $1`,
        [id, admin.id],
      );
      expectProblem(await accept(t, token, NEW_PASSWORD), 400, 'invalid_token');
      expectProblem(await api.resend(id), 409, 'account_closed');
      expect(await row(t, id)).toMatchObject({ is_active: false, password_changed_at: null });
    });
  });

  describe('admin routes', () => {
    it('are 401 without credentials and 403 for a user', async () => {
      const user = await person(t, 'nosy');
      const routes: [string, string, Record<string, unknown> | undefined][] = [
        ['POST', '/api/v1/auth/users', { email: uniqueEmail(), role: 'admin' }],
        ['PATCH', `/api/v1/auth/users/${user.id}`, { role: 'admin' }],
        ['DELETE', `/api/v1/auth/users/${admin.id}`, undefined],
        ['POST', `/api/v1/auth/users/${user.id}/invitation`, undefined],
      ];
      for (const [method, url, payload] of routes) {
        const request = { method: method as 'POST', url, ...(payload ? { payload } : {}) };
        expectProblem(await t.inject(request), 401, 'unauthenticated');
        expectProblem(await t.inject({ ...request, headers: bearer(user.tokens) }), 403, 'forbidden');
      }
      expect((await me(t, user.tokens)).json()).toMatchObject({ role: 'user', status: 'active' });
    });
  });

  describe('PATCH /auth/users/{id}', () => {
    it('a role change ends the user’s sessions; the new role shows in a fresh login', async () => {
      const user = await person(t, 'promoted');
      events.clear();
      const res = await api.patch(user.id, { role: 'admin' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: user.id, role: 'admin', is_active: true, status: 'active' });
      expect(events.payloadsOf('auth.user_role_changed')).toEqual([
        expect.objectContaining({ user_id: user.id, by_user_id: admin.id, from: 'user', to: 'admin', sessions_revoked: 1 }),
      ]);

      expect((await requestRefresh(t, user.tokens.refresh_token)).statusCode).toBe(401);
      expectProblem(await me(t, user.tokens), 401, 'unauthenticated');
      const fresh = await login(t, user.email);
      expect(roleClaim(fresh)).toBe('admin');
      expect((await me(t, fresh)).json().role).toBe('admin');
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/users', headers: bearer(fresh) })).statusCode).toBe(200);

      const back = await api.patch(user.id, { role: 'user' });
      expect(back.json().role).toBe('user');
      expect((await requestRefresh(t, fresh.refresh_token)).statusCode).toBe(401);
      expect(roleClaim(await login(t, user.email))).toBe('user');
    });

    it('is_active=false revokes sessions and API keys at once; is_active=true lets the user back in', async () => {
      const user = await person(t, 'deactivated');
      const key = (await requestApiKey(t, bearer(user.tokens), { name: 'ci' })).json().key as string;
      events.clear();
      const res = await api.patch(user.id, { is_active: false });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: user.id, is_active: false, status: 'inactive' });
      expect(events.payloadsOf('auth.user_deactivated')).toEqual([
        expect.objectContaining({ user_id: user.id, by_user_id: admin.id, sessions_revoked: 1, api_keys_revoked: 1 }),
      ]);
      expect((await requestRefresh(t, user.tokens.refresh_token)).statusCode).toBe(401);
      expect(
        (await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `ApiKey ${key}` } })).statusCode,
      ).toBe(401);
      expectProblem(await requestToken(t, { email: user.email, password: STRONG_PASSWORD }), 401, 'invalid_credentials');

      const again = await api.patch(user.id, { is_active: true });
      expect(again.json()).toMatchObject({ is_active: true, status: 'active' });
      expect(events.payloadsOf('auth.user_activated')).toEqual([
        expect.objectContaining({ user_id: user.id, by_user_id: admin.id }),
      ]);
      expect((await requestToken(t, { email: user.email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    });

    it('sets and clears the display name without touching sessions; an unchanged value changes nothing', async () => {
      const user = await person(t, 'named');
      events.clear();
      expect((await api.patch(user.id, { display_name: 'Ada Lovelace' })).json().display_name).toBe('Ada Lovelace');
      expect((await api.patch(user.id, { display_name: null })).json().display_name).toBeNull();
      expect((await api.patch(user.id, { role: 'user', is_active: true })).statusCode).toBe(200);
      expect(events.events.map((e) => e.name).filter((name) => name.startsWith('auth.user_'))).toEqual([]);
      expect((await requestRefresh(t, user.tokens.refresh_token)).statusCode).toBe(200);
    });

    it('refuses an empty patch, unknown fields, a bad id, an unknown user and self-deactivation', async () => {
      const user = await person(t, 'patched');
      const empty = expectProblem(await api.patch(user.id, {}), 400, 'validation_failed');
      expect(empty.errors).toEqual(
        ['role', 'is_active', 'display_name'].map((field) => expect.objectContaining({ field, code: 'at_least_one_required' })),
      );
      expectProblem(await api.patch(user.id, undefined), 400, 'validation_failed');
      expectProblem(await api.patch(user.id, { email: 'x@example.com' }), 400, 'validation_failed');
      expectProblem(await api.patch(user.id, { is_active: 'no' }), 400, 'validation_failed');
      expectProblem(await api.patch(user.id, { display_name: '' }), 400, 'validation_failed');
      expect((await api.patch('not-a-uuid', { role: 'user' })).statusCode).toBe(400);
      expectProblem(await api.patch(MISSING_ID, { role: 'user' }), 404, 'user_not_found');
      expectProblem(await api.patch(admin.id, { is_active: false }), 400, 'cannot_deactivate_self');
      expect((await me(t, admin.tokens)).json()).toMatchObject({ role: 'admin', is_active: true });
    });

    it('refuses to change a closed or erased account (409 account_closed)', async () => {
      const closing = await register(t, uniqueEmail('closing'));
      await t.db.query(
        `UPDATE users SET is_active = false, deletion_requested_at = now(), deletion_due_at = now() + interval '7 days' WHERE id = $1`,
        [closing.id],
      );
      for (const patch of [{ role: 'admin' }, { is_active: true }, { display_name: 'x' }]) {
        expectProblem(await api.patch(closing.id, patch), 409, 'account_closed');
      }
      const erased = await register(t, uniqueEmail('erased'));
      await t.db.query(`UPDATE users SET is_active = false, erased_at = now(), deletion_due_at = now() WHERE id = $1`, [
        erased.id,
      ]);
      expectProblem(await api.patch(erased.id, { is_active: true }), 409, 'account_closed');
      expect(await row(t, closing.id)).toMatchObject({ role: 'user', is_active: false });
      // Bulk activation leaves closed accounts closed (counted as unchanged).
      const bulk = await api.bulk([closing.id, erased.id], 'activate');
      expect(bulk.json()).toMatchObject({ requested: 2, updated: 0, unchanged: 2 });
      expect(await row(t, closing.id)).toMatchObject({ is_active: false });
      expect(await row(t, erased.id)).toMatchObject({ is_active: false });
    });

    it('changes an invited account too: its link keeps working', async () => {
      const email = uniqueEmail('patched-invitee');
      const id = (await api.invite({ email, role: 'user' })).json().id as string;
      const token = await invitationToken(email);
      expect((await api.patch(id, { role: 'admin', display_name: 'Grace' })).json()).toMatchObject({
        role: 'admin',
        display_name: 'Grace',
        status: 'invited',
      });
      const accepted = await accept(t, token, NEW_PASSWORD);
      expect(accepted.statusCode).toBe(200);
      expect(roleClaim(accepted.json())).toBe('admin');
      expect((await me(t, accepted.json())).json()).toMatchObject({ id, role: 'admin', status: 'active' });
    });

    it('an accepted invitation makes a full admin', async () => {
      const invitee = await invitedPerson('admin', 'invited-admin');
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/users', headers: bearer(invitee.tokens) })).statusCode).toBe(
        200,
      );
      expect((await login(t, invitee.email, NEW_PASSWORD)).access_token).toEqual(expect.any(String));
    });
  });

  describe('DELETE /auth/users/{id} (AccountClosureService.closeByAdmin)', () => {
    it('refuses the caller’s own account', async () => {
      expectProblem(await api.remove(admin.id), 400, 'cannot_deactivate_self');
    });

    it('closes the account (202, deletion pending) and ends its sessions at once', async () => {
      const user = await person(t, 'closed');
      const res = await api.remove(user.id);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({
        id: user.id,
        is_active: false,
        status: 'deletion_pending',
        deletion_due_at: expect.any(String),
      });
      expect((await requestRefresh(t, user.tokens.refresh_token)).statusCode).toBe(401);
      expectProblem(await me(t, user.tokens), 401, 'unauthenticated');
      expectProblem(await api.patch(user.id, { is_active: true }), 409, 'account_closed');
      expectProblem(await api.remove(MISSING_ID), 404, 'user_not_found');
    });
  });
});

/**
 * The last-admin rule, on a database of its own whose only admin at start is the seeded one.
 * A request passes the role check on its access token's role claim; a demotion that commits
 * after that check (simulated by updating the caller's row directly) leaves the caller
 * uncounted, which is how a real request reaches the rule for someone else's account.
 */
describe('the last active admin (e2e)', () => {
  let t: TestApp;
  let a: Person;
  let api: ReturnType<typeof users>;

  const activeAdmins = async (): Promise<string[]> =>
    (
      await t.db.query<{ id: string }>(
        `SELECT id FROM users WHERE role = 'admin' AND is_active AND deletion_due_at IS NULL ORDER BY id`,
      )
    ).map((r) => r.id);

  /** A registered user made admin by `a`, signed in afresh (the promotion ended their sessions). */
  async function newAdmin(prefix: string): Promise<Person> {
    const user = await person(t, prefix);
    expect((await api.patch(user.id, { role: 'admin' })).statusCode).toBe(200);
    return { ...user, tokens: await login(t, user.email) };
  }

  /** Demotes `who` behind the API's back, after their token was issued as an admin's. */
  const demotedMeanwhile = (who: Person) => t.db.query(`UPDATE users SET role = 'user' WHERE id = $1`, [who.id]);

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
  });
  // Every test starts with the seeded admin as the only active admin, freshly signed in.
  beforeEach(async () => {
    await t.db.query(
      `UPDATE users SET role = 'admin', is_active = true, deletion_due_at = NULL, deletion_requested_at = NULL WHERE email = $1`,
      [ADMIN_EMAIL],
    );
    await t.db.query(`UPDATE users SET is_active = false WHERE role = 'admin' AND email <> $1`, [ADMIN_EMAIL]);
    a = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    api = users(t, a);
  });
  afterAll(async () => {
    await t.close();
  });

  const expectLastAdmin = (res: LightMyRequestResponse) => expectProblem(res, 409, 'last_admin');

  it('the only admin cannot demote themselves (nor deactivate themselves)', async () => {
    expect(await activeAdmins()).toEqual([a.id]);
    expectLastAdmin(await api.patch(a.id, { role: 'user' }));
    expectProblem(await api.patch(a.id, { is_active: false }), 400, 'cannot_deactivate_self');
    expect((await me(t, a.tokens)).json()).toMatchObject({ role: 'admin', is_active: true });
    expect((await requestRefresh(t, a.tokens.refresh_token)).statusCode).toBe(200);
  });

  it('with another active admin, demotion, deactivation and bulk deactivation go through', async () => {
    const b = await newAdmin('second-admin');
    const c = await newAdmin('third-admin');
    expect((await api.patch(b.id, { role: 'user' })).json().role).toBe('user');
    expect((await api.patch(b.id, { role: 'admin' })).json().role).toBe('admin');
    expect((await api.patch(c.id, { is_active: false })).json().is_active).toBe(false);
    expect((await api.patch(c.id, { is_active: true })).json().is_active).toBe(true);
    const bulk = await api.bulk([b.id, c.id], 'deactivate');
    expect(bulk.statusCode).toBe(200);
    expect(bulk.json()).toMatchObject({ updated: 2 });
    expect(await activeAdmins()).toEqual([a.id]);
    // An admin may step down while another remains.
    await api.bulk([b.id], 'activate');
    const stepDown = await api.patch(b.id, { role: 'user' }, bearer(await login(t, b.email)));
    expect(stepDown.json()).toMatchObject({ id: b.id, role: 'user' });
    expect(await activeAdmins()).toEqual([a.id]);
  });

  it('PATCH and bulk refuse to demote or deactivate the last counted admin, changing nothing', async () => {
    const nameOfA = (await me(t, a.tokens)).json().display_name as string | null;
    const b = await newAdmin('late-demoted');
    const c = await newAdmin('other-admin');
    await demotedMeanwhile(b);
    // Active admins now: a and c. b still holds an admin token.
    const asB = bearer(b.tokens);
    expect((await api.patch(c.id, { is_active: false }, asB)).statusCode).toBe(200);
    // Only a is left: b may not remove a by any route.
    expectLastAdmin(await api.patch(a.id, { role: 'user' }, asB));
    expectLastAdmin(await api.patch(a.id, { is_active: false }, asB));
    expectLastAdmin(await api.patch(a.id, { role: 'user', display_name: 'Gone' }, asB));
    expectLastAdmin(await api.bulk([a.id], 'deactivate', asB));
    // Several at once: refused as a whole when together they are every active admin.
    expect((await api.patch(c.id, { is_active: true }, asB)).statusCode).toBe(200);
    expectLastAdmin(await api.bulk([c.id, a.id], 'deactivate', asB));
    expect(await activeAdmins()).toEqual([a.id, c.id].sort());
    expect((await me(t, a.tokens)).json()).toMatchObject({ role: 'admin', is_active: true, display_name: nameOfA });
    // Someone who is not an admin (b) leaving takes nothing away.
    expect((await api.bulk([b.id, c.id], 'deactivate')).json()).toMatchObject({ updated: 2 });
    expect(await activeAdmins()).toEqual([a.id]);
  });

  it('an admin with deletion pending does not count', async () => {
    const b = await newAdmin('closing-admin');
    await t.db.query(
      `UPDATE users SET deletion_due_at = now() + interval '7 days', deletion_requested_at = now() WHERE id = $1`,
      [b.id],
    );
    expectLastAdmin(await api.patch(a.id, { role: 'user' }));
    await t.db.query(`UPDATE users SET deletion_due_at = NULL, deletion_requested_at = NULL WHERE id = $1`, [b.id]);
    expect((await api.patch(b.id, { is_active: false })).statusCode).toBe(200);
  });

  it('two admins demoting each other at the same moment: never both', async () => {
    const b = await newAdmin('rival-admin');
    expect(await activeAdmins()).toEqual([a.id, b.id].sort());
    const [byA, byB] = await Promise.all([
      api.patch(b.id, { role: 'user' }),
      api.patch(a.id, { role: 'user' }, bearer(b.tokens)),
    ]);
    const statuses = [byA.statusCode, byB.statusCode];
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const res of [byA, byB]) if (res.statusCode !== 200) expect([401, 409]).toContain(res.statusCode);
    expect(await activeAdmins()).toHaveLength(1);
  });

  it('DELETE of the last counted admin is 409 last_admin (enforced by closeByAdmin)', async () => {
    const b = await newAdmin('deleting-admin');
    await demotedMeanwhile(b);
    expectLastAdmin(await api.remove(a.id, bearer(b.tokens)));
    expect(await activeAdmins()).toEqual([a.id]);
  });
});
