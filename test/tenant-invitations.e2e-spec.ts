import { createHash, randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { Clock } from '../src/platform/clock';
import { createTestApp, type TestApp } from './support/app';
import { bearer, login, loginPerson, person, type Person, uniqueEmail } from './support/auth';
import { settled } from './support/eventually';
import { captureEvents, type EventCapture } from './support/events';
import { FakeSmtpServer } from './support/fake-smtp-server';
import { expectProblem } from './support/problem';

const ADMIN_EMAIL = 'invitations.admin@example.com';
const ADMIN_PASSWORD = 'invitations-admin-passphrase-Qu1et-Heron';
const PUBLIC_BASE_URL = 'https://bastion.example';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const SUBJECT = /you are invited to join/;
const DAY_MS = 86_400_000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('tenant invitations (e2e)', () => {
  let smtp: FakeSmtpServer;
  let t: TestApp;
  let admin: Person;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let published: EventCapture;
  /** Every invitation token the suite saw: none may reach an audit row. */
  const tokensSeen = new Set<string>();

  const call = (
    who: Person | null,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> =>
    t.inject({
      method,
      url: `/api/v1${url}`,
      headers: who ? bearer(who.tokens) : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function ok(response: LightMyRequestResponse | Promise<LightMyRequestResponse>, status = 200): Promise<Json> {
    const res = await response;
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
    return status === 204 ? {} : res.json<Json>();
  }

  let slugCounter = 0;
  async function tenantOf(owner: Person, name = 'Team'): Promise<Json> {
    slugCounter += 1;
    return ok(call(owner, 'POST', '/tenants', { name: `${name} ${slugCounter}`, slug: `inv-${slugCounter}-${Date.now()}` }), 201);
  }

  const invite = (who: Person, tenantId: string, email: string, role: 'admin' | 'member' = 'member') =>
    call(who, 'POST', `/tenants/${tenantId}/invitations`, { email, role });

  const accept = (who: Person, token: string) => call(who, 'POST', '/tenants/invitations/accept', { token });

  /** The token of the `count`-th invitation mail to `email`. */
  async function tokenFor(email: string, count = 1): Promise<string> {
    const token = await smtp.linkToken(email, SUBJECT, 'join', count);
    tokensSeen.add(token);
    return token;
  }

  async function statusOf(owner: Person, tenantId: string, invitationId: string): Promise<string> {
    const page = await ok(call(owner, 'GET', `/tenants/${tenantId}/invitations?page_size=100`));
    return (page.items as Json[]).find((item) => item.id === invitationId)?.status as string;
  }

  const memberCount = async (tenantId: string): Promise<number> =>
    Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM memberships WHERE tenant_id = $1', [tenantId]))[0].n);

  const setQuota = async (tenantId: string, maxMembers: number | null) =>
    ok(call(admin, 'PATCH', `/admin/tenants/${tenantId}`, { quotas: { max_members: maxMembers } }));

  beforeAll(async () => {
    smtp = await FakeSmtpServer.start();
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, PUBLIC_BASE_URL, ...smtp.env() } });
    published = captureEvents(t);
    admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    alice = await person(t, 'alice');
    bob = await person(t, 'bob');
    carol = await person(t, 'carol');
    await t.db.query(`UPDATE users SET display_name = 'Alice Owner' WHERE id = $1`, [alice.id]);
  });
  afterAll(async () => {
    published?.stop();
    await t?.close();
    await smtp?.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['POST', `/tenants/${UNKNOWN_ID}/invitations`],
    ['GET', `/tenants/${UNKNOWN_ID}/invitations`],
    ['DELETE', `/tenants/${UNKNOWN_ID}/invitations/${UNKNOWN_ID}`],
    ['POST', '/tenants/invitations/accept'],
  ] as const)('%s %s requires authentication (401)', async (method, url) => {
    expectProblem(await call(null, method, url, method === 'POST' ? { token: 'x' } : undefined), 401, 'unauthenticated');
  });

  describe('the invitation flow', () => {
    let team: Json;
    let invitation: Json;
    let token: string;

    beforeAll(async () => {
      team = await tenantOf(alice, 'Acme');
    });

    it('an owner invites an address: 201, the invitation, an event, and a mail with a one-time join link', async () => {
      published.clear();
      invitation = await ok(invite(alice, team.id as string, `  ${bob.email.toUpperCase()} `), 201);
      expect(invitation).toEqual({
        id: expect.any(String),
        email: bob.email,
        role: 'member',
        invited_by: alice.id,
        created_at: expect.any(String),
        expires_at: expect.any(String),
        status: 'pending',
      });
      const lifetime = Date.parse(invitation.expires_at as string) - Date.parse(invitation.created_at as string);
      expect(Math.abs(lifetime - 7 * DAY_MS)).toBeLessThan(60_000);

      expect(published.payloadsOf('tenancy.invitation_sent')).toEqual([
        {
          tenant_id: team.id,
          tenant_name: team.name,
          invitation_id: invitation.id,
          email: bob.email,
          role: 'member',
          by_user_id: alice.id,
          token_link: expect.stringMatching(/^https:\/\/bastion\.example\/console\/#\/join\?token=[A-Za-z0-9_-]{43}$/),
          expires_at: invitation.expires_at,
          occurred_at: expect.any(String),
        },
      ]);

      token = await tokenFor(bob.email);
      const [mail] = smtp.to(bob.email).filter((m) => SUBJECT.test(m.parsed.subject ?? ''));
      expect(mail.parsed.subject).toBe(`Bastion: you are invited to join ${team.name as string}`);
      expect(mail.parsed.text).toContain(`Alice Owner invited you to join ${team.name as string} on Bastion as member.`);
      expect(mail.parsed.text).toContain('register with this address first');
      expect(mail.parsed.text).toContain(`${PUBLIC_BASE_URL}/console/#/join?token=${token}`);
      expect(mail.parsed.html).toContain(`href="${PUBLIC_BASE_URL}/console/#/join?token=${token}"`);
      // The token is stored only as its hash.
      const [row] = await t.db.query<{ token_hash: string }>('SELECT token_hash FROM tenant_invitations WHERE id = $1', [
        invitation.id,
      ]);
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.token_hash).not.toContain(token);
    });

    it('lists the invitations to owners and admins, newest first', async () => {
      const page = await ok(call(alice, 'GET', `/tenants/${team.id}/invitations`));
      expect(page).toMatchObject({ total: 1, page: 1, pages: 1, items: [{ id: invitation.id, status: 'pending' }] });
    });

    it('someone signed in with another address cannot accept it (403, audited), and the link stays usable', async () => {
      published.clear();
      expectProblem(await accept(carol, token), 403, 'invitation_email_mismatch');
      expect(published.payloadsOf('tenancy.invitation_rejected')).toEqual([
        expect.objectContaining({ tenant_id: team.id, reason: 'email_mismatch', by_user_id: carol.id }),
      ]);
      expect(await statusOf(alice, team.id as string, invitation.id as string)).toBe('pending');
      expect(await memberCount(team.id as string)).toBe(1);
    });

    it('the invited user accepts: 200, the membership and the tenant; member_added; the tenant is theirs to list', async () => {
      published.clear();
      const joined = await ok(accept(bob, token));
      expect(joined).toEqual({
        tenant_id: team.id,
        user_id: bob.id,
        role: 'member',
        joined_at: expect.any(String),
        tenant: expect.objectContaining({ id: team.id, name: team.name, role: 'member', personal: false }),
      });
      expect(published.events.map((e) => e.name).filter((name) => name.startsWith('tenancy.'))).toEqual([
        'tenancy.invitation_accepted',
        'tenancy.member_added',
      ]);
      expect(published.payloadsOf('tenancy.invitation_accepted')).toEqual([
        expect.objectContaining({
          tenant_id: team.id,
          invitation_id: invitation.id,
          user_id: bob.id,
          role: 'member',
          invited_by: alice.id,
          by_user_id: bob.id,
        }),
      ]);
      expect(published.payloadsOf('tenancy.member_added')).toEqual([
        expect.objectContaining({ tenant_id: team.id, user_id: bob.id, role: 'member', by_user_id: bob.id }),
      ]);
      const mine = await ok(call(bob, 'GET', '/tenants'));
      expect(mine.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: team.id, role: 'member' })]));
      expect(await statusOf(alice, team.id as string, invitation.id as string)).toBe('accepted');
    });

    it('the link works once: a second accept is 400 invalid_token, audited without the token', async () => {
      published.clear();
      const body = expectProblem(await accept(bob, token), 400, 'invalid_token');
      expect(body.errors).toEqual([expect.objectContaining({ field: 'token', code: 'invalid_token' })]);
      expect(published.payloadsOf('tenancy.invitation_rejected')).toEqual([
        expect.objectContaining({ tenant_id: team.id, reason: 'invalid_token', by_user_id: bob.id }),
      ]);
      await settled(t);
      const rows = await t.db.query<{ outcome: string; subject_id: string; metadata: Record<string, unknown> }>(
        `SELECT outcome, subject_id, metadata FROM audit_events WHERE type = 'tenancy.invitation_rejected' AND actor_id = $1`,
        [bob.id],
      );
      expect(rows).toEqual([{ outcome: 'denied', subject_id: team.id, metadata: { reason: 'invalid_token' } }]);
      expect(JSON.stringify(rows)).not.toContain(token);
    });

    it('an unknown or malformed token is 400 invalid_token too (audited, naming no tenant)', async () => {
      published.clear();
      expectProblem(await accept(bob, 'A'.repeat(43)), 400, 'invalid_token');
      expectProblem(await accept(bob, 'not-a-token'), 400, 'invalid_token');
      expect(published.payloadsOf('tenancy.invitation_rejected')).toEqual([
        expect.objectContaining({ tenant_id: null, reason: 'invalid_token', by_user_id: bob.id }),
        expect.objectContaining({ tenant_id: null, reason: 'invalid_token', by_user_id: bob.id }),
      ]);
    });

    it('accepting while a member already is 409 already_member naming the tenant; the invitation stays pending', async () => {
      const erin = await person(t, 'inv-erin');
      const sent = await ok(invite(alice, team.id as string, erin.email), 201);
      const link = await tokenFor(erin.email);
      await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [team.id, erin.id]);
      const body = expectProblem(await accept(erin, link), 409, 'already_member');
      expect(body.tenant_id).toBe(team.id);
      expect(await statusOf(alice, team.id as string, sent.id as string)).toBe('pending');
      await ok(call(alice, 'DELETE', `/tenants/${team.id}/members/${erin.id}`), 204);
    });

    it('inviting a member’s address (any case) is 409 already_member', async () => {
      expectProblem(await invite(alice, team.id as string, bob.email.toUpperCase()), 409, 'already_member');
    });

    it('members may not invite, list nor revoke (403 forbidden); an admin may invite an admin', async () => {
      expectProblem(await invite(bob, team.id as string, uniqueEmail('nope')), 403, 'forbidden');
      expectProblem(await call(bob, 'GET', `/tenants/${team.id}/invitations`), 403, 'forbidden');
      expectProblem(await call(bob, 'DELETE', `/tenants/${team.id}/invitations/${invitation.id}`), 403, 'forbidden');

      const dave = await person(t, 'dave');
      await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'admin')`, [team.id, dave.id]);
      const email = uniqueEmail('second-admin');
      expect(await ok(invite(dave, team.id as string, email, 'admin'), 201)).toMatchObject({
        email,
        role: 'admin',
        invited_by: dave.id,
      });
    });

    it.each([
      ['an owner role', { email: 'x@example.com', role: 'owner' }, 'role'],
      ['a bad address', { email: 'not-an-address', role: 'member' }, 'email'],
      ['no address', { role: 'member' }, 'email'],
    ])('refuses %s: 400 validation_failed', async (_label, payload, field) => {
      const body = expectProblem(await call(alice, 'POST', `/tenants/${team.id}/invitations`, payload), 400, 'validation_failed');
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('non-members get 404 tenant_not_found on every invitation route', async () => {
      expectProblem(await invite(carol, team.id as string, uniqueEmail('x')), 404, 'tenant_not_found');
      expectProblem(await call(carol, 'GET', `/tenants/${team.id}/invitations`), 404, 'tenant_not_found');
      expectProblem(await call(carol, 'DELETE', `/tenants/${team.id}/invitations/${invitation.id}`), 404, 'tenant_not_found');
      expectProblem(await invite(admin, team.id as string, uniqueEmail('x')), 404, 'tenant_not_found');
      expectProblem(await call(alice, 'GET', `/tenants/${UNKNOWN_ID}/invitations`), 404, 'tenant_not_found');
    });
  });

  describe('revoking, replacing, expiring', () => {
    let team: Json;
    beforeAll(async () => {
      team = await tenantOf(alice, 'Revocations');
    });

    it('a revoked invitation’s link is 400 invalid_token; revoking again changes nothing; unknown ids are 404', async () => {
      const dora = await person(t, 'dora');
      const sent = await ok(invite(alice, team.id as string, dora.email), 201);
      const token = await tokenFor(dora.email);
      published.clear();
      await ok(call(alice, 'DELETE', `/tenants/${team.id}/invitations/${sent.id}`), 204);
      expect(published.payloadsOf('tenancy.invitation_revoked')).toEqual([
        expect.objectContaining({
          tenant_id: team.id,
          invitation_id: sent.id,
          email: dora.email,
          by_user_id: alice.id,
          replaced: false,
        }),
      ]);
      expectProblem(await accept(dora, token), 400, 'invalid_token');
      expect(await statusOf(alice, team.id as string, sent.id as string)).toBe('revoked');

      published.clear();
      await ok(call(alice, 'DELETE', `/tenants/${team.id}/invitations/${sent.id}`), 204);
      expect(published.payloadsOf('tenancy.invitation_revoked')).toEqual([]);
      expectProblem(await call(alice, 'DELETE', `/tenants/${team.id}/invitations/${UNKNOWN_ID}`), 404, 'invitation_not_found');
      expectProblem(await call(alice, 'DELETE', `/tenants/${team.id}/invitations/nope`), 400, 'validation_failed');
    });

    it('an accepted invitation cannot be revoked (409 invitation_accepted)', async () => {
      const erin = await person(t, 'erin');
      const sent = await ok(invite(alice, team.id as string, erin.email), 201);
      await ok(accept(erin, await tokenFor(erin.email)));
      expectProblem(await call(alice, 'DELETE', `/tenants/${team.id}/invitations/${sent.id}`), 409, 'invitation_accepted');
    });

    it('a new invitation to the same address replaces the pending one (revoked, its link dead)', async () => {
      const fay = await person(t, 'fay');
      const first = await ok(invite(alice, team.id as string, fay.email), 201);
      const firstToken = await tokenFor(fay.email);
      published.clear();
      const second = await ok(invite(alice, team.id as string, fay.email, 'admin'), 201);
      expect(published.events.map((e) => e.name).filter((name) => name.startsWith('tenancy.'))).toEqual([
        'tenancy.invitation_revoked',
        'tenancy.invitation_sent',
      ]);
      expect(published.payloadsOf('tenancy.invitation_revoked')[0]).toMatchObject({ invitation_id: first.id, replaced: true });
      const secondToken = await tokenFor(fay.email, 2);
      expect(secondToken).not.toBe(firstToken);

      const page = await ok(call(alice, 'GET', `/tenants/${team.id}/invitations`));
      const items = page.items as Json[];
      expect(items.findIndex((i) => i.id === second.id)).toBeLessThan(items.findIndex((i) => i.id === first.id));
      expect(await statusOf(alice, team.id as string, first.id as string)).toBe('revoked');

      expectProblem(await accept(fay, firstToken), 400, 'invalid_token');
      expect(await ok(accept(fay, secondToken))).toMatchObject({ role: 'admin', tenant: { role: 'admin' } });
    });

    it('an expired link is 400 invalid_token (the invitation shows as expired)', async () => {
      const gus = await person(t, 'gus');
      const sent = await ok(invite(alice, team.id as string, gus.email), 201);
      const token = await tokenFor(gus.email);
      const later = new Date(Date.parse(sent.expires_at as string) + 1000);
      jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(later);
      // Both sign in again at the moved time: the sessions of a week ago have gone idle by then
      // (and a request with one would end it), so the suite's own sessions stay out of it.
      const gusLater = { ...gus, tokens: await login(t, gus.email) };
      const aliceLater = { ...alice, tokens: await login(t, alice.email) };
      expectProblem(await accept(gusLater, token), 400, 'invalid_token');
      expect(await statusOf(aliceLater, team.id as string, sent.id as string)).toBe('expired');
      jest.restoreAllMocks();
      expect(await memberCount(team.id as string)).toBe(3); // alice, erin, fay
    });
  });

  describe('personal tenants', () => {
    const personalOf = async (who: Person): Promise<Json> => {
      const [personal] = (await ok(call(who, 'GET', '/tenants'))).items as Json[];
      expect(personal.personal).toBe(true);
      return personal;
    };

    it('nobody is invited into one: 409 personal_tenant, nothing sent', async () => {
      const personal = await personalOf(alice);
      published.clear();
      expectProblem(await invite(alice, personal.id as string, bob.email, 'admin'), 409, 'personal_tenant');
      expect(published.payloadsOf('tenancy.invitation_sent')).toEqual([]);
      expect(await t.db.query('SELECT 1 FROM tenant_invitations WHERE tenant_id = $1', [personal.id])).toEqual([]);
    });

    it('an invitation into one, sent before that rule, cannot be accepted: 409 personal_tenant, nobody joins', async () => {
      const personal = await personalOf(alice);
      const hal = await person(t, 'hal');
      const token = randomBytes(32).toString('base64url');
      await t.db.query(
        `INSERT INTO tenant_invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, 'admin', $3, $4, now() + interval '1 day')`,
        [personal.id, hal.email.toLowerCase(), createHash('sha256').update(token).digest('hex'), alice.id],
      );
      expectProblem(await accept(hal, token), 409, 'personal_tenant');
      expect(await memberCount(personal.id as string)).toBe(1);
    });
  });

  describe('allowed_email_domains', () => {
    it('refuses an address outside the listed domains: 400 email_domain_not_allowed on email', async () => {
      const team = await tenantOf(alice, 'Domains');
      await ok(call(alice, 'PATCH', `/tenants/${team.id}`, { settings: { allowed_email_domains: ['corp.example.org'] } }));
      const body = expectProblem(await invite(alice, team.id as string, uniqueEmail('outsider')), 400, 'validation_failed');
      expect(body.errors).toEqual([expect.objectContaining({ field: 'email', code: 'email_domain_not_allowed' })]);
      expect(await ok(invite(alice, team.id as string, 'Insider@Corp.Example.org'), 201)).toMatchObject({
        email: 'insider@corp.example.org',
      });
    });
  });

  describe('the max_members quota', () => {
    it('counts members and pending invitations: beyond it, 403 quota_exceeded with limit and usage (audited)', async () => {
      const team = await tenantOf(alice, 'Quota');
      await setQuota(team.id as string, 3);
      const first = uniqueEmail('q1');
      await ok(invite(alice, team.id as string, first), 201);
      await ok(invite(alice, team.id as string, uniqueEmail('q2')), 201);
      published.clear();
      const body = expectProblem(await invite(alice, team.id as string, uniqueEmail('q3')), 403, 'quota_exceeded');
      expect(body).toMatchObject({ quota: 'max_members', limit: 3, usage: 3 });
      expect(published.payloadsOf('tenancy.quota_exceeded')).toEqual([
        expect.objectContaining({ tenant_id: team.id, quota: 'max_members', limit: 3, usage: 3, by_user_id: alice.id }),
      ]);
      // Replacing a pending invitation takes no more room.
      await ok(invite(alice, team.id as string, first, 'admin'), 201);
      await settled(t);
      const audit = await t.db.query<Json>(
        `SELECT actor_id, outcome, metadata FROM audit_events WHERE type = 'tenancy.quota_exceeded' AND subject_id = $1`,
        [team.id],
      );
      expect(audit).toEqual([
        { actor_id: alice.id, outcome: 'denied', metadata: expect.objectContaining({ limit: 3, usage: 3 }) },
      ]);
    });

    it('20 parallel acceptances with room for 5: exactly 5 join, the others get 403 quota_exceeded', async () => {
      const team = await tenantOf(alice, 'Crowd');
      const invitees: Person[] = [];
      for (let i = 0; i < 20; i += 1) {
        const who = await person(t, `crowd${i}`);
        invitees.push(who);
        await ok(invite(alice, team.id as string, who.email), 201);
      }
      const tokens = await Promise.all(invitees.map((who) => tokenFor(who.email)));
      await setQuota(team.id as string, 6); // the owner and 5 more

      const answers = await Promise.all(invitees.map((who, i) => accept(who, tokens[i])));
      const statuses = answers.map((res) => res.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 403)).toHaveLength(15);
      for (const res of answers.filter((r) => r.statusCode === 403)) {
        expect(expectProblem(res, 403, 'quota_exceeded')).toMatchObject({ limit: 6, usage: 6 });
      }
      expect(await memberCount(team.id as string)).toBe(6);
      // The refused links were not spent: room made later lets them in.
      const refused = answers.findIndex((r) => r.statusCode === 403);
      await setQuota(team.id as string, 7);
      await ok(accept(invitees[refused], tokens[refused]));
      expect(await memberCount(team.id as string)).toBe(7);
    });

    it('two parallel uses of one link make exactly one membership', async () => {
      const team = await tenantOf(alice, 'Race');
      const hal = await person(t, 'hal');
      await ok(invite(alice, team.id as string, hal.email), 201);
      const token = await tokenFor(hal.email);
      const answers = await Promise.all([accept(hal, token), accept(hal, token), accept(hal, token)]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 400, 400]);
      for (const res of answers.filter((r) => r.statusCode === 400)) expectProblem(res, 400, 'invalid_token');
      expect(await memberCount(team.id as string)).toBe(2);
    });
  });

  it('a suspended tenant takes no invitations (403 tenant_suspended)', async () => {
    const team = await tenantOf(alice, 'Suspended');
    const ivy = await person(t, 'ivy');
    await ok(invite(alice, team.id as string, ivy.email), 201);
    const token = await tokenFor(ivy.email);
    await ok(call(admin, 'PATCH', `/admin/tenants/${team.id}`, { status: 'suspended' }));
    expectProblem(await invite(alice, team.id as string, uniqueEmail('x')), 403, 'tenant_suspended');
    expectProblem(await accept(ivy, token), 403, 'tenant_suspended');
    await ok(call(admin, 'PATCH', `/admin/tenants/${team.id}`, { status: 'active' }));
    await ok(accept(ivy, token));
  });

  it('audit rows record the facts against the tenant and hold no token; sent mail drops its link', async () => {
    await settled(t);
    const sent = await t.db.query<Json>(
      `SELECT actor_id, subject_type, metadata FROM audit_events WHERE type = 'tenancy.invitation_sent' ORDER BY seq LIMIT 1`,
    );
    expect(sent).toEqual([
      {
        actor_id: alice.id,
        subject_type: 'tenant',
        metadata: expect.objectContaining({ token_link: '[redacted]', role: 'member' }),
      },
    ]);
    const types = await t.db.query<{ type: string }>(
      `SELECT DISTINCT type FROM audit_events WHERE type LIKE 'tenancy.%' ORDER BY type`,
    );
    expect(types.map((row) => row.type)).toEqual(
      expect.arrayContaining([
        'tenancy.invitation_accepted',
        'tenancy.invitation_revoked',
        'tenancy.invitation_sent',
        'tenancy.member_added',
        'tenancy.quota_exceeded',
      ]),
    );
    expect(tokensSeen.size).toBeGreaterThan(25);
    for (const token of tokensSeen) {
      const [{ n }] = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE metadata::text LIKE $1`, [
        `%${token}%`,
      ]);
      expect(Number(n)).toBe(0);
    }
    const mails = await t.db.query<{ data: Json }>(
      `SELECT data FROM notifications WHERE template = 'tenancy.invitation' AND status = 'sent'`,
    );
    expect(mails.length).toBeGreaterThan(25);
    expect(mails.every((row) => !('link' in row.data))).toBe(true);
  });
});
