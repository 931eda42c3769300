import { AccountClosureService, SessionStore } from '../src/contexts/identity/testing';
import { EventBus } from '../src/platform/events';
import { createTestApp, type TestApp } from './support/app';
import { waitForOutboxDrained } from './support/audit';
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
  uniqueEmail,
} from './support/auth';
import { captureEvents, type EventCapture } from './support/events';
import { eventually, settled } from './support/eventually';
import { expectProblem } from './support/problem';

const ADMIN_EMAIL = 'lifecycle.admin@example.com';
const ADMIN_PASSWORD = 'lifecycle-admin-passphrase-Gr4nite-Owl';
const NEW_PASSWORD = 'Lantern-Quokka-Treble-Harbour-71';
const DAY_MS = 86_400_000;

/** What pg reports when the server drops the connection mid-statement (SQLSTATE 08006). */
function connectionFailure(): Error {
  return Object.assign(new Error('server closed the connection unexpectedly'), { code: '08006' });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How the account lifecycle's changes hold together: a change of password or address voids the
 * one-time links it makes stale, link use and closing never deadlock, a close racing a bulk
 * activation stays closed, a failure partway through a change leaves nothing half-written (and
 * the audit record commits with the change), and personal data is the account's own.
 */
describe('account lifecycle: links, races and atomic changes (e2e)', () => {
  let t: TestApp;
  let events: EventCapture;
  let admin: Person;

  const post = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });
  const adminCall = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
    t.inject({ method, url: `/api/v1${url}`, headers: bearer(admin.tokens), ...(payload ? { payload } : {}) });

  /** The token of the newest link published as `name` whose payload `matches`. */
  async function linkToken(name: string, matches: (payload: Record<string, unknown>) => boolean): Promise<string> {
    let link: string | undefined;
    await eventually(() => {
      link = events.payloadsOf(name).filter(matches).at(-1)?.token_link as string | undefined;
      return link !== undefined;
    });
    return new URL(link!).hash.split('token=')[1];
  }

  const resetToken = async (email: string): Promise<string> => {
    events.clear();
    expect((await post('/auth/password/forgot', { email })).statusCode).toBe(202);
    return linkToken('auth.password_reset_requested', (p) => p.email === email);
  };

  const requestChange = async (who: Person, newEmail: string): Promise<string> => {
    const res = await post('/auth/email/change', { new_email: newEmail, current_password: STRONG_PASSWORD }, bearer(who.tokens));
    expect(res.statusCode).toBe(202);
    return linkToken('auth.email_change_requested', (p) => p.new_email === newEmail);
  };

  const emailOf = async (id: string): Promise<string> =>
    (await t.db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [id]))[0].email;

  /** The audit rows of `type` about user `id`, once every committed fact has left the outbox. */
  async function audited(type: string, id: string): Promise<number> {
    await waitForOutboxDrained((sql) => t.db.query(sql));
    const [{ n }] = await t.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM audit_events WHERE type = $1 AND subject_id = $2',
      [type, id],
    );
    return Number(n);
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
    events = captureEvents(t);
    admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(async () => {
    events.stop();
    await t.close();
  });
  afterEach(() => jest.restoreAllMocks());

  describe('a change of credentials voids the links it makes stale', () => {
    it('a password reset voids a pending email-change link (a stolen session cannot take the account)', async () => {
      const owner = await person(t, 'reset-owner');
      const attacker = uniqueEmail('reset-attacker');
      // Someone holding the owner's session asks to move the account to their own address...
      const change = await requestChange(owner, attacker);
      // ...and the owner, alarmed, resets the password.
      const reset = await post('/auth/password/reset', { token: await resetToken(owner.email), new_password: NEW_PASSWORD });
      expect(reset.statusCode).toBe(204);

      expectProblem(await post('/auth/email/change/confirm', { token: change }), 400, 'invalid_token');
      expect(await emailOf(owner.id)).toBe(owner.email);
    });

    it('a password change voids pending email-change and reset links', async () => {
      const owner = await person(t, 'change-owner');
      const change = await requestChange(owner, uniqueEmail('change-attacker'));
      const reset = await resetToken(owner.email);
      const mine = await login(t, owner.email);
      const changed = await post(
        '/auth/password',
        { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD },
        bearer(mine),
      );
      expect(changed.statusCode).toBe(204);

      expectProblem(await post('/auth/email/change/confirm', { token: change }), 400, 'invalid_token');
      expectProblem(
        await post('/auth/password/reset', { token: reset, new_password: `${NEW_PASSWORD}-x` }),
        400,
        'invalid_token',
      );
      expect(await emailOf(owner.id)).toBe(owner.email);
    });

    it('a confirmed address change voids the links mailed to the old address', async () => {
      const email = uniqueEmail('moving');
      const { id } = await register(t, email);
      const verify = await linkToken('auth.email_verification_requested', (p) => p.email === email);
      const reset = await resetToken(email);
      const who: Person = { id, email, tokens: await login(t, email) };
      const target = uniqueEmail('moved');
      const confirmed = await post('/auth/email/change/confirm', { token: await requestChange(who, target) });
      expect(confirmed.statusCode).toBe(200);

      expectProblem(await post('/auth/password/reset', { token: reset, new_password: NEW_PASSWORD }), 400, 'invalid_token');
      expectProblem(await post('/auth/email/verify', { token: verify }), 400, 'invalid_token');
      expect((await requestToken(t, { email: target, password: STRONG_PASSWORD })).statusCode).toBe(200);
    });
  });

  describe('races with closing an account', () => {
    it('link use while an admin closes the account: never a deadlock (no 500), the closing wins or waits', async () => {
      const bus = t.app.get(EventBus);
      const publish = bus.publish.bind(bus);
      // The closing holds the account's row for a while (its API key's revocation is slow), so a
      // link used meanwhile meets it halfway: the order in which each takes its locks is what matters.
      const closingHoldsUser = new Map<string, () => void>();
      jest.spyOn(bus, 'publish').mockImplementation(async (name, payload) => {
        if (name === 'auth.api_key_revoked') {
          closingHoldsUser.get((payload as { user_id: string }).user_id)?.();
          await sleep(500);
        }
        return publish(name, payload as never);
      });

      const kinds = ['verify', 'reset', 'change', 'verify', 'reset', 'change'] as const;
      const cases = await Promise.all(
        kinds.map(async (kind, i) => {
          const email = uniqueEmail(`race-${kind}`);
          const { id } = await register(t, email);
          const verify = await linkToken('auth.email_verification_requested', (p) => p.email === email);
          const who: Person = { id, email, tokens: await login(t, email) };
          expect((await requestApiKey(t, bearer(who.tokens), { name: 'slow' })).statusCode).toBe(201);
          let use: () => Promise<{ statusCode: number; body: string }>;
          if (kind === 'verify') use = () => post('/auth/email/verify', { token: verify });
          else if (kind === 'reset') {
            await post('/auth/password/forgot', { email });
            const token = await linkToken('auth.password_reset_requested', (p) => p.email === email);
            use = () => post('/auth/password/reset', { token, new_password: NEW_PASSWORD });
          } else {
            const target = uniqueEmail(`race-target-${i}`);
            const res = await post(
              '/auth/email/change',
              { new_email: target, current_password: STRONG_PASSWORD },
              bearer(who.tokens),
            );
            expect(res.statusCode).toBe(202);
            const token = await linkToken('auth.email_change_requested', (p) => p.new_email === target);
            use = () => post('/auth/email/change/confirm', { token });
          }
          return { id, use };
        }),
      );

      const outcomes = await Promise.all(
        cases.map(async ({ id, use }) => {
          const held = new Promise<void>((resolve) => closingHoldsUser.set(id, resolve));
          const closing = adminCall('DELETE', `/auth/users/${id}`);
          await held;
          const [closed, used] = await Promise.all([closing, use()]);
          return { closed: closed.statusCode, used: used.statusCode, body: used.body };
        }),
      );
      for (const outcome of outcomes) {
        expect(outcome.closed).toBe(202);
        // The closing committed first and voided the link.
        expect(outcome).toMatchObject({ used: 400 });
        expect(JSON.parse(outcome.body)).toMatchObject({ code: 'invalid_token' });
      }
    });

    it('a bulk activation racing an admin closing leaves the account closed: inactive and unable to sign in', async () => {
      const who = await person(t, 'bulk-race');
      expect((await adminCall('PATCH', `/auth/users/${who.id}`, { is_active: false })).statusCode).toBe(200);
      const bus = t.app.get(EventBus);
      const publish = bus.publish.bind(bus);
      // The closing stops inside its transaction (the account's row changed, not committed) until released.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let reached!: () => void;
      const closingInside = new Promise<void>((resolve) => (reached = resolve));
      jest.spyOn(bus, 'publish').mockImplementation(async (name, payload) => {
        if (name === 'auth.account_deletion_requested') {
          reached();
          await released;
        }
        return publish(name, payload as never);
      });

      const closing = adminCall('DELETE', `/auth/users/${who.id}`);
      await closingInside;
      // The bulk request reads the account as it stands (inactive, not closed) and reaches its write,
      // which waits on the closing's row lock; then the closing commits.
      const bulk = adminCall('POST', '/auth/users/bulk', { ids: [who.id], action: 'activate' });
      await eventually(
        async () =>
          (
            await t.db.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%users%'`,
            )
          ).length > 0,
      );
      release();
      expect((await closing).statusCode).toBe(202);
      const summary = await bulk;
      expect(summary.statusCode).toBe(200);
      expect(summary.json()).toMatchObject({ requested: 1, updated: 0, unchanged: 1 });

      const [row] = await t.db.query<{ is_active: boolean; deletion_due_at: Date | null }>(
        'SELECT is_active, deletion_due_at FROM users WHERE id = $1',
        [who.id],
      );
      expect(row).toEqual({ is_active: false, deletion_due_at: expect.any(Date) });
      expectProblem(await requestToken(t, { email: who.email, password: STRONG_PASSWORD }), 401, 'invalid_credentials');
    });
  });

  describe('a failure partway through a change leaves nothing half-written', () => {
    /** The next revocation of a user's sessions fails as if the database connection dropped (inside the change's transaction). */
    const failNextRevocation = () =>
      jest.spyOn(t.app.get(SessionStore), 'revokeAllForUser').mockRejectedValueOnce(connectionFailure());

    it('password reset: 503, then the link, the old password and the sessions all still work; a retry completes, audited', async () => {
      const who = await person(t, 'atomic-reset');
      const token = await resetToken(who.email);
      failNextRevocation();
      const failed = await post('/auth/password/reset', { token, new_password: NEW_PASSWORD });
      expectProblem(failed, 503, 'dependency_unavailable');

      expect(await audited('auth.password_reset', who.id)).toBe(0);
      const refreshed = await requestRefresh(t, who.tokens.refresh_token);
      expect(refreshed.statusCode).toBe(200);
      expectProblem(await requestToken(t, { email: who.email, password: NEW_PASSWORD }), 401, 'invalid_credentials');
      expect((await requestToken(t, { email: who.email, password: STRONG_PASSWORD })).statusCode).toBe(200);

      expect((await post('/auth/password/reset', { token, new_password: NEW_PASSWORD })).statusCode).toBe(204);
      expect(await audited('auth.password_reset', who.id)).toBe(1);
      expect((await requestRefresh(t, refreshed.json().refresh_token)).statusCode).toBe(401);
      expect((await requestToken(t, { email: who.email, password: NEW_PASSWORD })).statusCode).toBe(200);
    });

    it('password change: 503 with the password and the other sessions unchanged; a retry completes, audited', async () => {
      const who = await person(t, 'atomic-change');
      const other = await login(t, who.email);
      const change = () =>
        post('/auth/password', { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD }, bearer(who.tokens));
      failNextRevocation();
      expectProblem(await change(), 503, 'dependency_unavailable');

      expect(await audited('auth.password_changed', who.id)).toBe(0);
      const refreshed = await requestRefresh(t, other.refresh_token);
      expect(refreshed.statusCode).toBe(200);
      expect((await requestToken(t, { email: who.email, password: STRONG_PASSWORD })).statusCode).toBe(200);

      expect((await change()).statusCode).toBe(204);
      expect(await audited('auth.password_changed', who.id)).toBe(1);
      expect((await requestRefresh(t, refreshed.json().refresh_token)).statusCode).toBe(401);
    });

    it('admin role change: 503 with the role and the sessions unchanged; a retry completes, audited', async () => {
      const who = await person(t, 'atomic-role');
      failNextRevocation();
      expectProblem(await adminCall('PATCH', `/auth/users/${who.id}`, { role: 'admin' }), 503, 'dependency_unavailable');

      expect((await t.db.query<{ role: string }>('SELECT role FROM users WHERE id = $1', [who.id]))[0].role).toBe('user');
      expect(await audited('auth.user_role_changed', who.id)).toBe(0);
      const refreshed = await requestRefresh(t, who.tokens.refresh_token);
      expect(refreshed.statusCode).toBe(200);

      const retried = await adminCall('PATCH', `/auth/users/${who.id}`, { role: 'admin' });
      expect(retried.statusCode).toBe(200);
      expect(retried.json()).toMatchObject({ role: 'admin' });
      expect(await audited('auth.user_role_changed', who.id)).toBe(1);
      expect((await requestRefresh(t, refreshed.json().refresh_token)).statusCode).toBe(401);
    });

    it('bulk deactivation: 503 with every account still active; a retry completes, audited', async () => {
      const who = await person(t, 'atomic-bulk');
      failNextRevocation();
      const bulk = () => adminCall('POST', '/auth/users/bulk', { ids: [who.id], action: 'deactivate' });
      expectProblem(await bulk(), 503, 'dependency_unavailable');

      expect((await t.db.query<{ is_active: boolean }>('SELECT is_active FROM users WHERE id = $1', [who.id]))[0].is_active).toBe(
        true,
      );
      expect(await audited('auth.user_deactivated', who.id)).toBe(0);
      const refreshed = await requestRefresh(t, who.tokens.refresh_token);
      expect(refreshed.statusCode).toBe(200);

      const retried = await bulk();
      expect(retried.statusCode).toBe(200);
      expect(retried.json()).toMatchObject({ updated: 1 });
      expect(await audited('auth.user_deactivated', who.id)).toBe(1);
      expect((await requestRefresh(t, refreshed.json().refresh_token)).statusCode).toBe(401);
    });

    it('admin closing: 503 with the account open and its sessions live; a retry completes, audited', async () => {
      const who = await person(t, 'atomic-close');
      failNextRevocation();
      expectProblem(await adminCall('DELETE', `/auth/users/${who.id}`), 503, 'dependency_unavailable');

      const [row] = await t.db.query<{ is_active: boolean; deletion_due_at: Date | null }>(
        'SELECT is_active, deletion_due_at FROM users WHERE id = $1',
        [who.id],
      );
      expect(row).toEqual({ is_active: true, deletion_due_at: null });
      expect(await audited('auth.account_deletion_requested', who.id)).toBe(0);
      const refreshed = await requestRefresh(t, who.tokens.refresh_token);
      expect(refreshed.statusCode).toBe(200);

      expect((await adminCall('DELETE', `/auth/users/${who.id}`)).statusCode).toBe(202);
      expect(await audited('auth.account_deletion_requested', who.id)).toBe(1);
      expect((await requestRefresh(t, refreshed.json().refresh_token)).statusCode).toBe(401);
    });
  });

  describe('personal data is the account’s own', () => {
    it('an address used by another account before: its mail is neither exported nor erased with the new holder', async () => {
      // A registers x@, then moves to y@; B registers x@.
      const x = uniqueEmail('reused');
      const a = await register(t, x);
      const aPerson: Person = { id: a.id, email: x, tokens: await login(t, x) };
      expect(
        (await post('/auth/email/change/confirm', { token: await requestChange(aPerson, uniqueEmail('moved-on')) })).statusCode,
      ).toBe(200);
      const b = await register(t, x);
      await settled(t);
      const aMail = (await t.db.query<{ id: string }>('SELECT id FROM notifications WHERE user_id = $1', [a.id])).map(
        (r) => r.id,
      );
      expect(aMail.length).toBeGreaterThan(0);

      const bTokens = await login(t, x);
      const exported = await t.inject({ method: 'GET', url: '/api/v1/auth/me/export', headers: bearer(bTokens) });
      expect(exported.statusCode).toBe(200);
      const listed = (exported.json().notifications as { id: string }[]).map((n) => n.id);
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.filter((id) => aMail.includes(id))).toEqual([]);

      const closed = await t.inject({
        method: 'DELETE',
        url: '/api/v1/auth/me',
        headers: bearer(bTokens),
        payload: { current_password: STRONG_PASSWORD },
      });
      expect(closed.statusCode).toBe(202);
      await t.app.get(AccountClosureService).eraseDue(new Date(Date.now() + 8 * DAY_MS));
      expect(
        (await t.db.query<{ erased_at: Date | null }>('SELECT erased_at FROM users WHERE id = $1', [b.id]))[0].erased_at,
      ).not.toBeNull();
      const left = await t.db.query<{ id: string }>('SELECT id FROM notifications WHERE id = ANY($1)', [aMail]);
      expect(left.map((r) => r.id).sort()).toEqual([...aMail].sort());
    });
  });
});
