import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountClosureService } from '../src/contexts/identity/testing';
import { Clock } from '../src/platform/clock';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { runAuditVerify } from './support/audit';
import {
  bearer,
  login,
  loginPerson,
  type Person,
  person,
  requestApiKey,
  requestRefresh,
  requestToken,
  STRONG_PASSWORD,
  uniqueEmail,
} from './support/auth';
import { captureEvents, type EventCapture } from './support/events';
import { eventually, settled } from './support/eventually';
import { FakeSmtpServer } from './support/fake-smtp-server';
import { enableTotp } from './support/mfa';
import { expectProblem } from './support/problem';

const ADMIN_EMAIL = 'closure.admin@example.com';
const ADMIN_PASSWORD = 'closure-admin-passphrase-Qu1et-Heron';
const DAY_MS = 86_400_000;

/**
 * Closing an account, end to end: revoked at once, reopened by signing in during the grace
 * period, erased after it (moved clock) with nothing left that holds the address and the
 * audit chain intact; and the personal-data export.
 */
describe('account closure and data export (e2e)', () => {
  let smtp: FakeSmtpServer;
  let t: TestApp;
  let dir: string;
  let events: EventCapture;

  const call = (who: Person, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = {}) =>
    t.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(who.tokens), ...headers }, payload: payload as never });
  const closeAccount = (who: Person, payload: Record<string, string> = { current_password: STRONG_PASSWORD }) =>
    call(who, 'DELETE', '/auth/me', payload);

  /** Uploads a small text file as `who`; its id. */
  async function upload(who: Person, text: string): Promise<string> {
    const boundary = '----closure-e2e';
    const payload = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n${text}\r\n--${boundary}--\r\n`,
    );
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...bearer(who.tokens), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  /** A person with something in every context: a file, a project (keyed POST), a ticket, a post, an API key. */
  async function personWithData(prefix: string): Promise<Person & { fileId: string; apiKey: string }> {
    const who = await person(t, prefix);
    const fileId = await upload(who, `${prefix}'s notes`);
    const project = await call(who, 'POST', '/projects', { name: `${prefix} project` }, { 'idempotency-key': `${prefix}-p1` });
    expect(project.statusCode).toBe(201);
    expect((await call(who, 'POST', '/support/tickets', { subject: 'Help', body: `${prefix} needs help` })).statusCode).toBe(201);
    expect((await call(who, 'POST', '/community/posts', { title: 'Hello', body: `${prefix} says hi` })).statusCode).toBe(201);
    const key = await requestApiKey(t, bearer(who.tokens), { name: `${prefix} key` });
    expect(key.statusCode).toBe(201);
    return { ...who, fileId, apiKey: key.json().key };
  }

  /** Every table row whose text mentions `needle` (case-insensitive), as `table: count`. */
  async function rowsMentioning(needle: string): Promise<Record<string, number>> {
    const tables = await t.db.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    const found: Record<string, number> = {};
    for (const { tablename } of tables) {
      const [{ count }] = await t.db.query<{ count: string }>(
        `SELECT count(*) FROM "${tablename}" r WHERE strpos(lower(r::text), lower($1)) > 0`,
        [needle],
      );
      if (Number(count) > 0) found[tablename] = Number(count);
    }
    return found;
  }

  const moveClock = (ms: number) => jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(Date.now() + ms));

  beforeAll(async () => {
    smtp = await FakeSmtpServer.start();
    dir = join(mkdtempSync(join(tmpdir(), 'bastion-closure-e2e-')), 'uploads');
    t = await createTestApp({
      env: {
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        FILES_DIR: dir,
        PUBLIC_BASE_URL: 'https://bastion.example',
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

  describe('closing', () => {
    it('needs the password (and a session): wrong or missing is refused, an API key gets 403', async () => {
      const who = await personWithData('careful');
      expectProblem(await closeAccount(who, { current_password: 'not-my-password-at-all' }), 400, 'invalid_current_password');
      expectProblem(await closeAccount(who, {}), 400, 'validation_failed');
      const byKey = await t.inject({
        method: 'DELETE',
        url: '/api/v1/auth/me',
        headers: { 'x-api-key': who.apiKey },
        payload: { current_password: STRONG_PASSWORD },
      });
      expectProblem(byKey, 403, 'session_required');
      expect((await call(who, 'GET', '/auth/me')).json().status).toBe('active');
    });

    it('revokes every session and API key at once, and mails the owner how to cancel', async () => {
      const who = await personWithData('leaving');
      const otherDevice = await login(t, who.email);

      const closed = await closeAccount(who);
      expect(closed.statusCode).toBe(202);
      const body = closed.json();
      expect(body).toMatchObject({ id: who.id, status: 'deletion_pending', is_active: false });
      const due = Date.parse(body.deletion_due_at) - Date.now();
      expect(due).toBeGreaterThan(7 * DAY_MS - 60_000);
      expect(due).toBeLessThanOrEqual(7 * DAY_MS);

      expectProblem(
        await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(otherDevice) }),
        401,
        'unauthenticated',
      );
      expect((await requestRefresh(t, otherDevice.refresh_token)).statusCode).toBe(401);
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-api-key': who.apiKey } })).statusCode).toBe(
        401,
      );
      expectProblem(
        await requestToken(t, { email: who.email, password: 'wrong-password-for-sure-99' }),
        401,
        'invalid_credentials',
      );

      await eventually(() => smtp.to(who.email).some((m) => /your account will be deleted/.test(m.parsed.subject ?? '')));
      const mail = smtp.to(who.email).find((m) => /your account will be deleted/.test(m.parsed.subject ?? ''));
      expect(mail?.parsed.text).toMatch(/Sign in with your password before then and the deletion is cancelled/);
      expect(events.payloadsOf('auth.account_deletion_requested')).toContainEqual(
        expect.objectContaining({ user_id: who.id, by_user_id: who.id, grace_seconds: 7 * 86_400 }),
      );
    });

    it('with MFA on, needs a second factor too', async () => {
      const who = await person(t, 'closing-mfa');
      const {
        recoveryCodes: [recovery],
      } = await enableTotp(t, who.tokens);

      expectProblem(await closeAccount(who), 401, 'mfa_required');
      expectProblem(await closeAccount(who, { current_password: STRONG_PASSWORD, totp_code: '000000' }), 400, 'invalid_mfa_code');
      const closed = await closeAccount(who, { current_password: STRONG_PASSWORD, recovery_code: recovery });
      expect(closed.statusCode).toBe(202);
    });

    it('refuses to close the last active admin (409 last_admin)', async () => {
      const admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      expectProblem(await closeAccount(admin, { current_password: ADMIN_PASSWORD }), 409, 'last_admin');
      expect((await call(admin, 'GET', '/auth/me')).json().status).toBe('active');
    });
  });

  describe('organisations', () => {
    it("refuses to close the account of an organisation's last owner while others belong to it (409 last_owner)", async () => {
      const owner = await person(t, 'org-owner');
      const created = await call(owner, 'POST', '/tenants', { name: 'Acme', slug: `acme-${Date.now().toString(36)}` });
      expect(created.statusCode).toBe(201);
      const tenantId: string = created.json().id;
      const member = await person(t, 'org-member');
      // Invitations are a tenancy feature of their own; the membership is inserted directly.
      await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [tenantId, member.id]);

      const refused = expectProblem(await closeAccount(owner), 409, 'last_owner');
      expect(refused.detail).toContain(created.json().slug);
      expect((await call(owner, 'GET', '/auth/me')).json().status).toBe('active');

      expect((await call(owner, 'PATCH', `/tenants/${tenantId}/members/${member.id}`, { role: 'owner' })).statusCode).toBe(200);
      expect((await closeAccount(owner)).statusCode).toBe(202);
    });

    it('refuses the last owner before the second factor: the recovery code offered is not spent', async () => {
      const owner = await person(t, 'org-owner-mfa');
      const {
        recoveryCodes: [recovery],
      } = await enableTotp(t, owner.tokens);
      const created = await call(owner, 'POST', '/tenants', { name: 'Acme', slug: `acme-mfa-${Date.now().toString(36)}` });
      const member = await person(t, 'org-member-mfa');
      await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [
        created.json().id,
        member.id,
      ]);
      const unused = () =>
        t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [
          owner.id,
        ]);
      const before = await unused();

      expectProblem(await closeAccount(owner, { current_password: STRONG_PASSWORD, recovery_code: recovery }), 409, 'last_owner');
      expect(await unused()).toEqual(before);
      expect((await call(owner, 'GET', '/auth/me')).json().status).toBe('active');
    });

    it('an owner whose co-owner is closing too is the last owner: 409 last_owner', async () => {
      const [first, second, member] = [
        await person(t, 'co-owner-1'),
        await person(t, 'co-owner-2'),
        await person(t, 'co-member'),
      ];
      const created = await call(first, 'POST', '/tenants', { name: 'Pair', slug: `pair-${Date.now().toString(36)}` });
      const tenantId: string = created.json().id;
      await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner'), ($1, $3, 'member')`, [
        tenantId,
        second.id,
        member.id,
      ]);
      expect((await closeAccount(first)).statusCode).toBe(202);
      // The first owner is leaving: the second is the one owner left.
      expectProblem(await closeAccount(second), 409, 'last_owner');
    });

    it('erasure never leaves an organisation without an owner: what changed in the grace period is handed over', async () => {
      const [owner, admin, member, late, inactive] = [
        await person(t, 'handover-owner'),
        await person(t, 'handover-admin'),
        await person(t, 'handover-member'),
        await person(t, 'handover-late'),
        await person(t, 'handover-inactive'),
      ];
      const slug = `handover-${Date.now().toString(36)}`;
      const stepsDown: string = (await call(owner, 'POST', '/tenants', { name: 'Steps down', slug: `${slug}-a` })).json().id;
      const joinedLate: string = (await call(owner, 'POST', '/tenants', { name: 'Joined late', slug: `${slug}-b` })).json().id;
      // stepsDown: a co-owner who steps down while the owner's closing waits; joinedLate: a member who joins then.
      await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner'), ($1, $3, 'member')`, [
        stepsDown,
        admin.id,
        member.id,
      ]);
      expect((await closeAccount(owner)).statusCode).toBe(202);
      expect((await call(admin, 'PATCH', `/tenants/${stepsDown}/members/${admin.id}`, { role: 'admin' })).statusCode).toBe(200);
      await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [joinedLate, late.id]);
      // An admin whose account is deactivated is passed over, though admins come first.
      await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'admin')`, [joinedLate, inactive.id]);
      await t.db.query(`UPDATE users SET is_active = false WHERE id = $1`, [inactive.id]);
      events.clear();
      moveClock(7 * DAY_MS + 60_000);
      await t.app.get(AccountClosureService).eraseDue();
      const owners = await t.db.query<{ tenant_id: string; user_id: string }>(
        `SELECT tenant_id, user_id FROM memberships WHERE tenant_id = ANY($1::uuid[]) AND role = 'owner' ORDER BY tenant_id`,
        [[stepsDown, joinedLate]],
      );
      // The longest-standing admin is preferred to members; a lone member takes it otherwise.
      expect(owners).toEqual(
        expect.arrayContaining([
          { tenant_id: stepsDown, user_id: admin.id },
          { tenant_id: joinedLate, user_id: late.id },
        ]),
      );
      expect(owners).toHaveLength(2);
      expect(events.payloadsOf('tenancy.member_role_changed')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ tenant_id: stepsDown, user_id: admin.id, from: 'admin', to: 'owner', by_user_id: owner.id }),
          expect.objectContaining({ tenant_id: joinedLate, user_id: late.id, from: 'member', to: 'owner', by_user_id: owner.id }),
        ]),
      );
    });

    it('erasure takes the personal tenant and an organisation nobody else belongs to', async () => {
      const loner = await person(t, 'org-loner');
      const created = await call(loner, 'POST', '/tenants', { name: 'Solo', slug: `solo-${Date.now().toString(36)}` });
      expect(created.statusCode).toBe(201);
      expect((await closeAccount(loner)).statusCode).toBe(202);
      moveClock(7 * DAY_MS + 60_000);
      await t.app.get(AccountClosureService).eraseDue();
      const left = await t.db.query('SELECT id FROM tenants WHERE id = $1 OR personal_owner_id = $2', [
        created.json().id,
        loner.id,
      ]);
      expect(left).toEqual([]);
    });
  });

  describe('the grace period', () => {
    it('signing in with the right password reopens an account its owner closed', async () => {
      const who = await person(t, 'changed-mind');
      expect((await closeAccount(who)).statusCode).toBe(202);

      const again = await login(t, who.email);
      const me = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(again) });
      expect(me.json()).toMatchObject({ status: 'active', is_active: true, deletion_due_at: null });
      expect(events.payloadsOf('auth.account_deletion_cancelled')).toContainEqual(expect.objectContaining({ user_id: who.id }));

      moveClock(8 * DAY_MS);
      await t.app.get(AccountClosureService).eraseDue();
      const [row] = await t.db.query<{ erased_at: Date | null; email: string }>(
        'SELECT erased_at, email FROM users WHERE id = $1',
        [who.id],
      );
      expect(row).toEqual({ erased_at: null, email: who.email });
    });

    it('an admin closing is not cancelled by the owner signing in', async () => {
      const admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      const who = await person(t, 'closed-by-admin');
      await t.app.get(AccountClosureService).closeByAdmin(admin.id, who.id, { ip: null, userAgent: null });
      expectProblem(await requestToken(t, { email: who.email, password: STRONG_PASSWORD }), 401, 'invalid_credentials');
    });

    it('after the grace period, signing in no longer reopens it', async () => {
      const who = await person(t, 'too-late');
      expect((await closeAccount(who)).statusCode).toBe(202);
      moveClock(7 * DAY_MS + 60_000);
      expectProblem(await requestToken(t, { email: who.email, password: STRONG_PASSWORD }), 401, 'invalid_credentials');
    });
  });

  describe('erasure', () => {
    it('erases after the grace period: no row holds the address, content is gone, the audit chain verifies', async () => {
      const who = await personWithData('erase-me');
      const other = await personWithData('stays');
      // Rows that name the address without the account: a registration of the taken address, a
      // failed login for it; and an idempotent response that quotes the user's id.
      expect(
        (
          await t.inject({
            method: 'POST',
            url: '/api/v1/auth/register',
            payload: { email: who.email, password: STRONG_PASSWORD },
          })
        ).statusCode,
      ).toBe(409);
      expect((await requestToken(t, { email: who.email, password: 'a-wrong-password-123' })).statusCode).toBe(401);
      expect((await closeAccount(who)).statusCode).toBe(202);
      await eventually(() => smtp.to(who.email).some((m) => /your account will be deleted/.test(m.parsed.subject ?? '')));
      await settled(t);
      expect(Object.keys(await rowsMentioning(who.email)).length).toBeGreaterThan(0);
      expect(await rowsMentioning(who.id)).toHaveProperty('idempotency_keys');

      const closure = t.app.get(AccountClosureService);
      expect(await closure.eraseDue()).toBe(0); // not due yet
      moveClock(7 * DAY_MS + 60_000);
      expect(await closure.eraseDue()).toBeGreaterThanOrEqual(1);
      await settled(t);

      expect(await rowsMentioning(who.email)).toEqual({});
      const [user] = await t.db.query<Record<string, unknown>>(
        'SELECT email, display_name, password_hash, is_active, erased_at FROM users WHERE id = $1',
        [who.id],
      );
      expect(user).toMatchObject({ email: `${who.id}@erased.invalid`, display_name: null, is_active: false });
      expect(user.erased_at).not.toBeNull();
      for (const [table, column] of [
        ['files', 'owner_id'],
        ['projects', 'owner_id'],
        ['support_tickets', 'owner_id'],
        ['community_posts', 'author_id'],
        ['user_sessions', 'user_id'],
        ['api_keys', 'user_id'],
        ['login_sources', 'user_id'],
        ['notifications', 'user_id'],
      ]) {
        expect([table, (await t.db.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [who.id])).length]).toEqual([table, 0]);
      }
      expect(await rowsMentioning(who.id)).not.toHaveProperty('idempotency_keys');
      expect(await rowsMentioning(other.id)).toHaveProperty('idempotency_keys');
      const blobs = readdirSync(dir, { recursive: true }).map(String);
      expect(blobs.some((name) => name.includes(who.fileId))).toBe(false);
      expect(blobs.some((name) => name.includes(other.fileId))).toBe(true);

      // The audit rows stay, with the pseudonymous id; the chain verifies.
      const audit = await t.db.query<{ type: string }>(
        'SELECT type FROM audit_events WHERE actor_id = $1::uuid OR subject_id = $1::text',
        [who.id],
      );
      expect(audit.map((row) => row.type)).toEqual(expect.arrayContaining(['auth.user_registered', 'auth.account_erased']));
      const verify = await runAuditVerify(t.db.url);
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);

      // The other user is untouched (back to the real clock: their token expired in the future we visited);
      // the erased address can register afresh.
      jest.restoreAllMocks();
      expect((await call(other, 'GET', '/auth/me')).json()).toMatchObject({ email: other.email, status: 'active' });
      expectProblem(await requestToken(t, { email: who.email, password: STRONG_PASSWORD }), 401, 'invalid_credentials');
      expect(
        (
          await t.inject({
            method: 'POST',
            url: '/api/v1/auth/register',
            payload: { email: who.email, password: STRONG_PASSWORD },
          })
        ).statusCode,
      ).toBe(201);
    });

    it('with ACCOUNT_DELETION_GRACE=0 the account is erased at once', async () => {
      await withTestApp({ db: t.db, env: { ACCOUNT_DELETION_GRACE: '0', FILES_DIR: dir } }, async (now) => {
        const email = uniqueEmail('right-now');
        const registered = await now.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { email, password: STRONG_PASSWORD },
        });
        const tokens = await login(now, email);
        const closed = await now.inject({
          method: 'DELETE',
          url: '/api/v1/auth/me',
          headers: bearer(tokens),
          payload: { current_password: STRONG_PASSWORD },
        });
        expect(closed.statusCode).toBe(202);
        await eventually(
          async () =>
            (await now.db.query('SELECT 1 FROM users WHERE id = $1 AND erased_at IS NOT NULL', [registered.json().id])).length ===
            1,
        );
      });
    });
  });

  describe('export', () => {
    it("returns the caller's data, and nothing of another user's", async () => {
      const mine = await personWithData('exporter');
      const theirs = await personWithData('neighbour');
      await settled(t);

      const res = await call(mine, 'GET', '/auth/me/export');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="bastion-data-\d{4}-\d{2}-\d{2}\.json"$/);
      expect(res.headers['cache-control']).toBe('no-store');
      const doc = res.json();
      expect(doc).toMatchObject({ format: 'bastion.personal-data-export.v1', user: { id: mine.id, email: mine.email } });
      expect(doc.mfa).toEqual({ enabled: false, enabled_at: null, recovery_codes_remaining: 0 });
      expect(doc.files).toEqual([expect.objectContaining({ id: mine.fileId, owner_id: mine.id })]);
      expect(doc.projects).toEqual([expect.objectContaining({ name: 'exporter project', owner_id: mine.id })]);
      expect(doc.support_tickets).toHaveLength(1);
      expect(doc.community_posts).toHaveLength(1);
      expect(doc.api_keys).toEqual([expect.objectContaining({ name: 'exporter key' })]);
      expect(JSON.stringify(doc.api_keys)).not.toContain(mine.apiKey);
      expect(doc.sessions.length).toBeGreaterThanOrEqual(1);
      expect(doc.notifications).toEqual(expect.arrayContaining([expect.objectContaining({ template: 'account.verify_email' })]));
      expect(doc.audit_events.map((e: { type: string }) => e.type)).toEqual(
        expect.arrayContaining(['auth.user_registered', 'sessions.started', 'files.uploaded']),
      );

      const text = res.body;
      expect(text).not.toContain(theirs.id);
      expect(text).not.toContain(theirs.email);
      expect(text).not.toContain(theirs.fileId);
    });
  });
});
