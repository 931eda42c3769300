import { Controller, Get, Inject, Module, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest, LightMyRequestResponse } from 'fastify';
import { DataSource, type QueryRunner } from 'typeorm';
import { Tenancy1796515200000 } from '../migrations/1796515200000-Tenancy';
import { TenantOwnedData1796601600000 } from '../migrations/1796601600000-TenantOwnedData';
import { PersonalTenantOwners1797120000000 } from '../migrations/1797120000000-PersonalTenantOwners';
import { type AuthenticatedUser, CurrentUser, IdentityModule, JwtAuthGuard } from '../src/contexts/identity';
import { type ResolvedTenant, TenancyModule, tenantHeaderOf } from '../src/contexts/tenancy';
import { TenancyPersonalData, TenantResolver } from '../src/contexts/tenancy/testing';
import { runInTransaction } from '../src/platform/database/transaction-context';
import { dataSourceOptions } from '../src/platform/database/data-source-options';
import { createTestApp, type TestApp } from './support/app';
import { bearer, loginPerson, person, type Person } from './support/auth';
import { settled } from './support/eventually';
import { captureEvents, type EventCapture } from './support/events';
import { createTestDatabase } from './support/database';
import { expectProblem } from './support/problem';

const ADMIN_EMAIL = 'tenancy.admin@example.com';
const ADMIN_PASSWORD = 'tenancy-admin-passphrase-Qu1et-Otter';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A harness-only route that acts in the tenant `X-Tenant-Id` names, the way tenant-owned routes will. */
@Controller('test-tenancy')
@UseGuards(JwtAuthGuard)
class TenantProbeController {
  constructor(@Inject(TenantResolver) private readonly resolver: TenantResolver) {}

  @Get('current')
  current(@CurrentUser() user: AuthenticatedUser, @Req() request: FastifyRequest): Promise<ResolvedTenant> {
    return this.resolver.resolve(user.id, tenantHeaderOf(request));
  }
}

@Module({ imports: [IdentityModule, TenancyModule], controllers: [TenantProbeController] })
class TenantProbeModule {}

describe('tenancy: tenants, members, roles, platform admin, tenant resolution (e2e)', () => {
  let t: TestApp;
  let admin: Person;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dave: Person;
  let published: EventCapture;

  const call = (
    who: Person | null,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> =>
    t.inject({
      method,
      url: `/api/v1${url}`,
      headers: { ...(who ? bearer(who.tokens) : {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  /** The parsed body, after checking the status (a 204 gives an empty object). */
  async function ok(response: LightMyRequestResponse | Promise<LightMyRequestResponse>, status = 200): Promise<Json> {
    const res = await response;
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
    return status === 204 ? {} : res.json<Json>();
  }

  function expectValidation(res: LightMyRequestResponse, ...fields: [string, string?][]): void {
    const body = expectProblem(res, 400, 'validation_failed');
    for (const [field, code] of fields) {
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, ...(code ? { code } : {}) })]));
    }
  }

  /**
   * Invitations come next round: until then the tests give users a membership straight in SQL.
   */
  async function addMember(tenantId: string, who: Person, role: 'owner' | 'admin' | 'member'): Promise<void> {
    await t.db.query('INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)', [tenantId, who.id, role]);
  }

  let slugCounter = 0;
  /** A new shared tenant owned by `owner`, with these other members (added in SQL). */
  async function tenantOf(owner: Person, members: [Person, 'owner' | 'admin' | 'member'][] = []): Promise<Json> {
    slugCounter += 1;
    const tenant = await ok(
      call(owner, 'POST', '/tenants', { name: `Team ${slugCounter}`, slug: `team-${slugCounter}-${Date.now()}` }),
      201,
    );
    for (const [who, role] of members) await addMember(tenant.id as string, who, role);
    return tenant;
  }

  async function ownersOf(tenantId: string): Promise<string[]> {
    const rows = await t.db.query<{ user_id: string }>(
      `SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner' ORDER BY user_id`,
      [tenantId],
    );
    return rows.map((row) => row.user_id);
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD }, imports: [TenantProbeModule] });
    published = captureEvents(t);
    admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    alice = await person(t, 'alice');
    bob = await person(t, 'bob');
    carol = await person(t, 'carol');
    dave = await person(t, 'dave');
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['GET', '/tenants'],
    ['POST', '/tenants'],
    ['GET', `/tenants/${UNKNOWN_ID}`],
    ['PATCH', `/tenants/${UNKNOWN_ID}`],
    ['DELETE', `/tenants/${UNKNOWN_ID}`],
    ['GET', `/tenants/${UNKNOWN_ID}/members`],
    ['PATCH', `/tenants/${UNKNOWN_ID}/members/${UNKNOWN_ID}`],
    ['DELETE', `/tenants/${UNKNOWN_ID}/members/${UNKNOWN_ID}`],
    ['GET', '/admin/tenants'],
    ['GET', `/admin/tenants/${UNKNOWN_ID}`],
    ['PATCH', `/admin/tenants/${UNKNOWN_ID}`],
  ] as const)('%s %s requires authentication (401 problem)', async (method, url) => {
    expectProblem(
      await call(null, method, url, method === 'POST' || method === 'PATCH' ? { name: 'x' } : undefined),
      401,
      'unauthenticated',
    );
  });

  // ------------------------------------------------------------------------ personal tenant
  describe('the personal tenant', () => {
    it('appears in GET /tenants, made on first use, owned by the user', async () => {
      published.clear();
      const page = await ok(call(alice, 'GET', '/tenants'));
      expect(page).toMatchObject({ total: 1, page: 1, page_size: 20, pages: 1 });
      const [personal] = page.items as Json[];
      expect(personal).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        slug: `u-${alice.id.replace(/-/g, '')}`,
        name: 'Personal',
        status: 'active',
        personal: true,
        role: 'owner',
        settings: { mfa_required: false, allowed_email_domains: [], session_max_age: null },
        quotas: { max_members: null, max_projects: null, max_storage_bytes: null, max_requests_per_minute: null },
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(published.payloadsOf('tenancy.tenant_created')).toEqual([
        expect.objectContaining({ tenant_id: personal.id, personal: true, by_user_id: alice.id }),
      ]);
      expect(published.payloadsOf('tenancy.member_added')).toEqual([
        expect.objectContaining({ tenant_id: personal.id, user_id: alice.id, role: 'owner', by_user_id: alice.id }),
      ]);
      expect(await ok(call(alice, 'GET', `/tenants/${personal.id}`))).toEqual(personal);
    });

    it('is made once, even by parallel first requests', async () => {
      const fresh = await person(t, 'parallel');
      const pages = await Promise.all([1, 2, 3, 4].map(() => ok(call(fresh, 'GET', '/tenants'))));
      expect(new Set(pages.map((p) => (p.items as Json[])[0].id)).size).toBe(1);
      const rows = await t.db.query('SELECT id FROM tenants WHERE personal_owner_id = $1', [fresh.id]);
      expect(rows).toHaveLength(1);
    });

    it('cannot be deleted (409 personal_tenant)', async () => {
      const [personal] = (await ok(call(alice, 'GET', '/tenants'))).items as Json[];
      expectProblem(await call(alice, 'DELETE', `/tenants/${personal.id}`), 409, 'personal_tenant');
    });

    it('keeps its owner: leaving it is 409 last_owner', async () => {
      const [personal] = (await ok(call(alice, 'GET', '/tenants'))).items as Json[];
      expectProblem(await call(alice, 'DELETE', `/tenants/${personal.id}/members/${alice.id}`), 409, 'last_owner');
    });

    it('keeps its owner its only owner, whoever an earlier version let in: 409 personal_tenant', async () => {
      const who = await person(t, 'personal-keeper');
      const [personal] = (await ok(call(who, 'GET', '/tenants'))).items as Json[];
      const id = personal.id as string;
      // Before invitations into personal tenants were refused, others could join, even as owners.
      await addMember(id, bob, 'owner');
      await addMember(id, carol, 'member');
      expectProblem(await call(bob, 'PATCH', `/tenants/${id}/members/${who.id}`, { role: 'member' }), 409, 'personal_tenant');
      expectProblem(await call(bob, 'DELETE', `/tenants/${id}/members/${who.id}`), 409, 'personal_tenant');
      expectProblem(await call(who, 'DELETE', `/tenants/${id}/members/${who.id}`), 409, 'personal_tenant');
      expectProblem(await call(who, 'PATCH', `/tenants/${id}/members/${carol.id}`, { role: 'owner' }), 409, 'personal_tenant');
      expect(await ownersOf(id)).toEqual([bob.id, who.id].sort());

      // They can be shown out, and the owner keeps working in it without X-Tenant-Id.
      await ok(call(who, 'DELETE', `/tenants/${id}/members/${bob.id}`), 204);
      await ok(call(carol, 'DELETE', `/tenants/${id}/members/${carol.id}`), 204);
      expect(await ownersOf(id)).toEqual([who.id]);
      expect(await ok(call(who, 'GET', '/test-tenancy/current'))).toMatchObject({ tenantId: id, role: 'owner', personal: true });
    });

    it('gets its owner back from the migration when an earlier version let the owner be demoted or removed', async () => {
      const demoted = await person(t, 'personal-demoted');
      const removed = await person(t, 'personal-removed');
      const [mine] = (await ok(call(demoted, 'GET', '/tenants'))).items as Json[];
      const [theirs] = (await ok(call(removed, 'GET', '/tenants'))).items as Json[];
      await addMember(mine.id as string, bob, 'owner');
      await t.db.query(`UPDATE memberships SET role = 'member' WHERE tenant_id = $1 AND user_id = $2`, [mine.id, demoted.id]);
      await t.db.query('DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2', [theirs.id, removed.id]);
      expectProblem(await call(removed, 'GET', '/test-tenancy/current'), 404, 'tenant_not_found');

      await new PersonalTenantOwners1797120000000().up({ query: (sql: string) => t.db.query(sql) } as unknown as QueryRunner);
      expect(await ownersOf(mine.id as string)).toEqual([bob.id, demoted.id].sort());
      expect(await ownersOf(theirs.id as string)).toEqual([removed.id]);
      expect(await ok(call(removed, 'GET', '/test-tenancy/current'))).toMatchObject({ tenantId: theirs.id, role: 'owner' });
    });

    it('is listed first, then shared tenants by name, with the caller’s role and pagination', async () => {
      const who = await person(t, 'lister');
      await ok(call(who, 'POST', '/tenants', { name: 'zeta', slug: `zeta-${Date.now()}` }), 201);
      await ok(call(who, 'POST', '/tenants', { name: 'Alpha', slug: `alpha-${Date.now()}` }), 201);
      const other = await tenantOf(alice);
      await addMember(other.id as string, who, 'member');
      const all = await ok(call(who, 'GET', '/tenants'));
      expect((all.items as Json[]).map((i) => [i.personal, i.name, i.role])).toEqual([
        [true, 'Personal', 'owner'],
        [false, 'Alpha', 'owner'],
        [false, other.name, 'member'],
        [false, 'zeta', 'owner'],
      ]);
      const second = await ok(call(who, 'GET', '/tenants?page=2&page_size=3'));
      expect(second).toMatchObject({ total: 4, page: 2, page_size: 3, pages: 2 });
      expect((second.items as Json[]).map((i) => i.name)).toEqual(['zeta']);
      expectValidation(await call(who, 'GET', '/tenants?page_size=101'), ['page_size']);
    });
  });

  // ------------------------------------------------------------------------------- creating
  describe('creating a tenant', () => {
    it('creates it with the caller as owner: 201, ETag and Location, events, audit rows', async () => {
      published.clear();
      const slug = `acme-${Date.now()}`;
      const res = await call(alice, 'POST', '/tenants', { name: '  Acme Corp  ', slug: `  ${slug.toUpperCase()} ` });
      const body = await ok(res, 201);
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        slug,
        name: 'Acme Corp',
        status: 'active',
        personal: false,
        role: 'owner',
        settings: { mfa_required: false, allowed_email_domains: [], session_max_age: null },
        quotas: { max_members: null, max_projects: null, max_storage_bytes: null, max_requests_per_minute: null },
        created_at: expect.any(String),
        updated_at: body.created_at,
      });
      expect(res.headers.location).toBe(`/api/v1/tenants/${body.id}`);
      const read = await call(alice, 'GET', `/tenants/${body.id}`);
      expect(await ok(read)).toEqual(body);
      expect(res.headers.etag).toBe(read.headers.etag);
      expect(published.payloadsOf('tenancy.tenant_created')).toEqual([
        expect.objectContaining({ tenant_id: body.id, slug, personal: false, by_user_id: alice.id }),
      ]);
      expect(published.payloadsOf('tenancy.member_added')).toEqual([
        expect.objectContaining({ tenant_id: body.id, user_id: alice.id, role: 'owner', by_user_id: alice.id }),
      ]);

      await settled(t);
      const audit = await t.db.query<Json>(
        `SELECT type, actor_id, subject_type, subject_id, outcome FROM audit_events WHERE subject_id = $1 ORDER BY seq`,
        [body.id],
      );
      expect(audit).toEqual([
        { type: 'tenancy.tenant_created', actor_id: alice.id, subject_type: 'tenant', subject_id: body.id, outcome: 'success' },
        { type: 'tenancy.member_added', actor_id: alice.id, subject_type: 'tenant', subject_id: body.id, outcome: 'success' },
      ]);
    });

    it.each([
      ['a too short slug', 'ab', 'invalid_slug'],
      ['a slug with an underscore', 'bad_slug', 'invalid_slug'],
      ['a slug with a leading hyphen', '-acme', 'invalid_slug'],
      ['a too long slug', 'x'.repeat(64), 'invalid_slug'],
      ['a reserved slug', 'admin', 'reserved_slug'],
      ['a reserved slug in capitals', ' WWW ', 'reserved_slug'],
      ['a personal-tenant slug', 'u-0123456789abcdef0123456789abcdef', 'reserved_slug'],
    ])('refuses %s: 400 naming slug', async (_label, slug, code) => {
      expectValidation(await call(alice, 'POST', '/tenants', { name: 'Ok', slug }), ['slug', code]);
    });

    it.each([
      ['no name', { slug: 'no-name-here' }, 'name'],
      ['a blank name', { name: '   ', slug: 'blank-name-here' }, 'name'],
      ['a too long name', { name: 'n'.repeat(101), slug: 'long-name-here' }, 'name'],
      ['no slug', { name: 'Ok' }, 'slug'],
      ['a numeric slug', { name: 'Ok', slug: 12345 }, 'slug'],
      ['quotas (not writable by members)', { name: 'Ok', slug: 'quota-sneak', quotas: {} }, 'quotas'],
      ['a status', { name: 'Ok', slug: 'status-sneak', status: 'active' }, 'status'],
    ])('refuses a create with %s: 400', async (_label, payload, field) => {
      expectValidation(await call(alice, 'POST', '/tenants', payload), [field]);
    });

    it.each([
      ['valueOf', { name: 'Ok', slug: 'proto-sneak-v', valueOf: 1 }],
      ['constructor', { name: 'Ok', slug: 'proto-sneak-c', constructor: 1 }],
    ])('refuses a create with a field named %s (an Object.prototype member): 400 unknown_field', async (field, payload) => {
      expectValidation(await call(alice, 'POST', '/tenants', payload), [field, 'unknown_field']);
      expect(await t.db.query('SELECT 1 FROM tenants WHERE slug = $1', [payload.slug])).toEqual([]);
    });

    it('refuses a list query parameter named after an Object.prototype member: 400 unknown_field', async () => {
      expectValidation(await call(alice, 'GET', '/tenants?constructor=1'), ['constructor', 'unknown_field']);
      expectValidation(await call(alice, 'GET', '/tenants?toString=1'), ['toString', 'unknown_field']);
    });

    it('refuses a slug in use, whatever its case: 409 slug_taken, nothing created', async () => {
      const slug = `taken-${Date.now()}`;
      await ok(call(alice, 'POST', '/tenants', { name: 'First', slug }), 201);
      published.clear();
      const body = expectProblem(
        await call(bob, 'POST', '/tenants', { name: 'Second', slug: slug.toUpperCase() }),
        409,
        'slug_taken',
      );
      expect(body.errors).toEqual([expect.objectContaining({ field: 'slug', code: 'slug_taken' })]);
      expect(published.events).toEqual([]);
      expect(await t.db.query(`SELECT 1 FROM tenants WHERE name = 'Second'`)).toEqual([]);
    });
  });

  // -------------------------------------------------------------------------- outsiders
  describe('a tenant the caller is not a member of', () => {
    let acme: Json;
    beforeAll(async () => {
      acme = await tenantOf(alice, [[carol, 'member']]);
    });

    it.each([
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['GET', '/members'],
      ['PATCH', '/members/{carol}'],
      ['DELETE', '/members/{carol}'],
    ] as const)('%s /tenants/{id}%s is 404 tenant_not_found, exactly like an unknown id', async (method, suffix) => {
      const payload = method === 'PATCH' ? (suffix ? { role: 'admin' } : { name: 'Mine now' }) : undefined;
      const path = suffix.replace('{carol}', carol.id);
      const theirs = expectProblem(await call(bob, method, `/tenants/${acme.id}${path}`, payload), 404, 'tenant_not_found');
      const unknown = expectProblem(await call(bob, method, `/tenants/${UNKNOWN_ID}${path}`, payload), 404, 'tenant_not_found');
      expect(theirs.detail).toBe(unknown.detail);
      // Platform admins are no exception: they operate tenants only through /admin/tenants.
      expectProblem(await call(admin, method, `/tenants/${acme.id}${path}`, payload), 404, 'tenant_not_found');
      expect(await ownersOf(acme.id as string)).toEqual([alice.id]);
    });

    it('is not in their list', async () => {
      const items = (await ok(call(bob, 'GET', '/tenants?page_size=100'))).items as Json[];
      expect(items.map((i) => i.id)).not.toContain(acme.id);
    });

    it('rejects ids that are not UUIDs with a 400 naming the parameter', async () => {
      expectValidation(await call(alice, 'GET', '/tenants/not-a-uuid'), ['id', 'is_uuid']);
      expectValidation(await call(alice, 'DELETE', `/tenants/${acme.id}/members/nope`), ['user_id', 'is_uuid']);
    });
  });

  // ------------------------------------------------------------------------------- members
  describe('members and roles', () => {
    let team: Json;
    beforeAll(async () => {
      team = await tenantOf(alice, [
        [carol, 'admin'],
        [bob, 'member'],
      ]);
    });

    it('lists members with their identity, in the order they joined (members may read)', async () => {
      const page = await ok(call(bob, 'GET', `/tenants/${team.id}/members`));
      expect(page).toMatchObject({ total: 3, page: 1, pages: 1 });
      expect(page.items).toEqual([
        { user_id: alice.id, email: alice.email, display_name: null, role: 'owner', joined_at: expect.any(String) },
        { user_id: carol.id, email: carol.email, display_name: null, role: 'admin', joined_at: expect.any(String) },
        { user_id: bob.id, email: bob.email, display_name: null, role: 'member', joined_at: expect.any(String) },
      ]);
      const second = await ok(call(bob, 'GET', `/tenants/${team.id}/members?page=2&page_size=2`));
      expect(second).toMatchObject({ total: 3, page: 2, page_size: 2, pages: 2 });
      expect((second.items as Json[]).map((m) => m.user_id)).toEqual([bob.id]);
    });

    it('a member may change no one’s role, not even their own (403 forbidden)', async () => {
      expectProblem(await call(bob, 'PATCH', `/tenants/${team.id}/members/${carol.id}`, { role: 'member' }), 403, 'forbidden');
      expectProblem(await call(bob, 'PATCH', `/tenants/${team.id}/members/${bob.id}`, { role: 'admin' }), 403, 'forbidden');
      expectProblem(await call(bob, 'DELETE', `/tenants/${team.id}/members/${carol.id}`), 403, 'forbidden');
    });

    it('an admin may neither touch an owner nor make one (403 forbidden)', async () => {
      expectProblem(await call(carol, 'PATCH', `/tenants/${team.id}/members/${bob.id}`, { role: 'owner' }), 403, 'forbidden');
      expectProblem(await call(carol, 'PATCH', `/tenants/${team.id}/members/${alice.id}`, { role: 'member' }), 403, 'forbidden');
      expectProblem(await call(carol, 'DELETE', `/tenants/${team.id}/members/${alice.id}`), 403, 'forbidden');
      expect(await ownersOf(team.id as string)).toEqual([alice.id]);
    });

    it('an admin moves members between member and admin: 200 with the member, event', async () => {
      published.clear();
      const body = await ok(call(carol, 'PATCH', `/tenants/${team.id}/members/${bob.id}`, { role: 'admin' }));
      expect(body).toEqual({
        user_id: bob.id,
        email: bob.email,
        display_name: null,
        role: 'admin',
        joined_at: expect.any(String),
      });
      expect(published.payloadsOf('tenancy.member_role_changed')).toEqual([
        expect.objectContaining({ tenant_id: team.id, user_id: bob.id, from: 'member', to: 'admin', by_user_id: carol.id }),
      ]);
      await ok(call(carol, 'PATCH', `/tenants/${team.id}/members/${bob.id}`, { role: 'member' }));
    });

    it('an owner may make an owner; repeating a role changes nothing and publishes nothing', async () => {
      await ok(call(alice, 'PATCH', `/tenants/${team.id}/members/${carol.id}`, { role: 'owner' }));
      expect(await ownersOf(team.id as string)).toEqual([alice.id, carol.id].sort());
      published.clear();
      expect(await ok(call(alice, 'PATCH', `/tenants/${team.id}/members/${carol.id}`, { role: 'owner' }))).toMatchObject({
        role: 'owner',
      });
      expect(published.events).toEqual([]);
      await ok(call(alice, 'PATCH', `/tenants/${team.id}/members/${carol.id}`, { role: 'admin' }));
    });

    it('answers 404 member_not_found for a user who is not a member, 400 for a bad role', async () => {
      expectProblem(
        await call(alice, 'PATCH', `/tenants/${team.id}/members/${dave.id}`, { role: 'admin' }),
        404,
        'member_not_found',
      );
      expectProblem(await call(alice, 'DELETE', `/tenants/${team.id}/members/${UNKNOWN_ID}`), 404, 'member_not_found');
      expectValidation(await call(alice, 'PATCH', `/tenants/${team.id}/members/${bob.id}`, { role: 'superuser' }), [
        'role',
        'is_in',
      ]);
      expectValidation(await call(alice, 'PATCH', `/tenants/${team.id}/members/${bob.id}`, {}), ['role']);
    });

    it('any member may leave: 204, the tenant is then unknown to them', async () => {
      const extra = await tenantOf(alice, [[dave, 'member']]);
      published.clear();
      await ok(call(dave, 'DELETE', `/tenants/${extra.id}/members/${dave.id}`), 204);
      expect(published.payloadsOf('tenancy.member_removed')).toEqual([
        expect.objectContaining({ tenant_id: extra.id, user_id: dave.id, role: 'member', by_user_id: dave.id, left: true }),
      ]);
      expectProblem(await call(dave, 'GET', `/tenants/${extra.id}`), 404, 'tenant_not_found');
    });

    it('an admin removes a member, an owner removes an admin', async () => {
      const extra = await tenantOf(alice, [
        [carol, 'admin'],
        [dave, 'member'],
      ]);
      published.clear();
      await ok(call(carol, 'DELETE', `/tenants/${extra.id}/members/${dave.id}`), 204);
      await ok(call(alice, 'DELETE', `/tenants/${extra.id}/members/${carol.id}`), 204);
      expect(published.payloadsOf('tenancy.member_removed')).toEqual([
        expect.objectContaining({ user_id: dave.id, by_user_id: carol.id, left: false }),
        expect.objectContaining({ user_id: carol.id, role: 'admin', by_user_id: alice.id, left: false }),
      ]);
      expect((await ok(call(alice, 'GET', `/tenants/${extra.id}/members`))).total).toBe(1);
    });
  });

  // ---------------------------------------------------------------------------- last owner
  describe('the last owner', () => {
    it('cannot be demoted nor removed, nor leave (409 last_owner, nothing changes, nothing audited)', async () => {
      const solo = await tenantOf(alice, [[carol, 'admin']]);
      published.clear();
      expectProblem(await call(alice, 'PATCH', `/tenants/${solo.id}/members/${alice.id}`, { role: 'admin' }), 409, 'last_owner');
      expectProblem(await call(alice, 'DELETE', `/tenants/${solo.id}/members/${alice.id}`), 409, 'last_owner');
      expect(published.events).toEqual([]);
      expect(await ownersOf(solo.id as string)).toEqual([alice.id]);
      await settled(t);
      const audit = await t.db.query(
        `SELECT type FROM audit_events WHERE subject_id = $1 AND type <> 'tenancy.tenant_created' AND type <> 'tenancy.member_added'`,
        [solo.id],
      );
      expect(audit).toEqual([]);
    });

    it('of two owners demoting themselves at the same time, exactly one passes; the other gets 409 last_owner', async () => {
      const duo = await tenantOf(alice, [[bob, 'owner']]);
      const answers = await Promise.all([
        call(alice, 'PATCH', `/tenants/${duo.id}/members/${alice.id}`, { role: 'member' }),
        call(bob, 'PATCH', `/tenants/${duo.id}/members/${bob.id}`, { role: 'member' }),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      expectProblem(
        answers.find((r) => r.statusCode === 409)!,
        409,
        'last_owner',
      );
      expect(await ownersOf(duo.id as string)).toHaveLength(1);
    });

    it('of two owners removing themselves at the same time, exactly one passes', async () => {
      const duo = await tenantOf(alice, [[bob, 'owner']]);
      const answers = await Promise.all([
        call(alice, 'DELETE', `/tenants/${duo.id}/members/${alice.id}`),
        call(bob, 'DELETE', `/tenants/${duo.id}/members/${bob.id}`),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([204, 409]);
      expect(await ownersOf(duo.id as string)).toHaveLength(1);
    });

    it('of two owners demoting each other at the same time, exactly one passes and one owner remains', async () => {
      const duo = await tenantOf(alice, [[bob, 'owner']]);
      const answers = await Promise.all([
        call(alice, 'PATCH', `/tenants/${duo.id}/members/${bob.id}`, { role: 'admin' }),
        call(bob, 'PATCH', `/tenants/${duo.id}/members/${alice.id}`, { role: 'admin' }),
      ]);
      const statuses = answers.map((r) => r.statusCode).sort();
      expect(statuses[0]).toBe(200);
      // The loser is an admin by the time its turn comes (403), or the last-owner rule stops it (409).
      expect([403, 409]).toContain(statuses[1]);
      expect(await ownersOf(duo.id as string)).toHaveLength(1);
    });

    it('may step down once another owner is in place', async () => {
      const duo = await tenantOf(alice, [[carol, 'admin']]);
      await ok(call(alice, 'PATCH', `/tenants/${duo.id}/members/${carol.id}`, { role: 'owner' }));
      await ok(call(alice, 'PATCH', `/tenants/${duo.id}/members/${alice.id}`, { role: 'member' }));
      expect(await ownersOf(duo.id as string)).toEqual([carol.id]);
    });
  });

  // ------------------------------------------------------------------------ changing tenants
  describe('changing a tenant', () => {
    let team: Json;
    beforeAll(async () => {
      team = await tenantOf(alice, [
        [carol, 'admin'],
        [bob, 'member'],
      ]);
    });

    it('an owner renames and configures it: 200, settings merged and normalised, ETag, event', async () => {
      published.clear();
      const res = await call(alice, 'PATCH', `/tenants/${team.id}`, {
        name: ' Team Rocket ',
        settings: { mfa_required: true, allowed_email_domains: [' Example.COM', 'example.com', 'corp.example.org'] },
      });
      const body = await ok(res);
      expect(body).toMatchObject({
        name: 'Team Rocket',
        role: 'owner',
        settings: { mfa_required: true, allowed_email_domains: ['example.com', 'corp.example.org'], session_max_age: null },
      });
      expect(body.updated_at > (team.updated_at as string)).toBe(true);
      const read = await call(alice, 'GET', `/tenants/${team.id}`);
      expect(res.headers.etag).toBe(read.headers.etag);
      expect(published.payloadsOf('tenancy.tenant_updated')).toEqual([
        expect.objectContaining({
          tenant_id: team.id,
          by_user_id: alice.id,
          fields: ['name', 'settings.mfa_required', 'settings.allowed_email_domains'],
        }),
      ]);

      // Settings not sent stay; a repeat changes nothing (same ETag, no event).
      const next = await ok(call(alice, 'PATCH', `/tenants/${team.id}`, { settings: { session_max_age: 3600 } }));
      expect(next.settings).toEqual({
        mfa_required: true,
        allowed_email_domains: ['example.com', 'corp.example.org'],
        session_max_age: 3600,
      });
      published.clear();
      const again = await call(alice, 'PATCH', `/tenants/${team.id}`, {
        name: 'Team Rocket',
        settings: { session_max_age: 3600 },
      });
      expect(await ok(again)).toEqual(next);
      expect(published.events).toEqual([]);
    });

    it('an admin renames it but may not configure it; a member may do neither (403 forbidden)', async () => {
      expect(await ok(call(carol, 'PATCH', `/tenants/${team.id}`, { name: 'Renamed by admin' }))).toMatchObject({
        name: 'Renamed by admin',
        role: 'admin',
      });
      expectProblem(await call(carol, 'PATCH', `/tenants/${team.id}`, { settings: { mfa_required: false } }), 403, 'forbidden');
      expectProblem(await call(bob, 'PATCH', `/tenants/${team.id}`, { name: 'Renamed by member' }), 403, 'forbidden');
    });

    it('refuses quotas from an owner (not a writable field: 400 unknown_field)', async () => {
      expectValidation(await call(alice, 'PATCH', `/tenants/${team.id}`, { quotas: { max_members: 1000 } }), [
        'quotas',
        'unknown_field',
      ]);
    });

    it.each([
      [
        'an empty patch',
        {},
        [
          ['name', 'at_least_one_required'],
          ['settings', 'at_least_one_required'],
        ],
      ],
      ['a blank name', { name: '  ' }, [['name']]],
      ['null settings', { settings: null }, [['settings']]],
      ['settings that are not an object', { settings: [true] }, [['settings']]],
      ['an unknown setting', { settings: { theme: 'dark' } }, [['settings.theme', 'unknown_field']]],
      ['a too short session age', { settings: { session_max_age: 60 } }, [['settings.session_max_age']]],
      [
        'a bad domain',
        { settings: { allowed_email_domains: ['ok.com', 'nope'] } },
        [['settings.allowed_email_domains.1', 'is_domain']],
      ],
      [
        'too many domains',
        { settings: { allowed_email_domains: Array.from({ length: 51 }, (_, i) => `d${i}.example.com`) } },
        [['settings.allowed_email_domains', 'array_max_size']],
      ],
      ['a non-boolean mfa_required', { settings: { mfa_required: 'yes' } }, [['settings.mfa_required', 'is_boolean']]],
    ] as [string, object, [string, string?][]][])('refuses %s: 400', async (_label, payload, fields) => {
      expectValidation(await call(alice, 'PATCH', `/tenants/${team.id}`, payload), ...fields);
    });

    it('honours If-Match: 412 on a stale ETag (nothing changes), 200 on the current one', async () => {
      const read = await call(alice, 'GET', `/tenants/${team.id}`);
      const etag = String(read.headers.etag);
      await ok(call(alice, 'PATCH', `/tenants/${team.id}`, { name: 'Moved on' }));
      expectProblem(
        await call(alice, 'PATCH', `/tenants/${team.id}`, { name: 'Stale' }, { 'if-match': etag }),
        412,
        'precondition_failed',
      );
      const current = await call(alice, 'GET', `/tenants/${team.id}`);
      expect(current.json()).toMatchObject({ name: 'Moved on' });
      await ok(call(alice, 'PATCH', `/tenants/${team.id}`, { name: 'Fresh' }, { 'if-match': String(current.headers.etag) }));
      expect(
        (await call(alice, 'GET', `/tenants/${team.id}`, undefined, { 'if-none-match': String(current.headers.etag) }))
          .statusCode,
      ).toBe(200);
    });

    it('GET answers 304 to a matching If-None-Match; lists are private, no-cache', async () => {
      const first = await call(alice, 'GET', `/tenants/${team.id}`);
      expect(
        (await call(alice, 'GET', `/tenants/${team.id}`, undefined, { 'if-none-match': String(first.headers.etag) })).statusCode,
      ).toBe(304);
      expect((await call(alice, 'GET', '/tenants')).headers['cache-control']).toBe('private, no-cache');
    });

    it('deleting: owners only, honours If-Match, removes the memberships, event and audit', async () => {
      const doomed = await tenantOf(alice, [[carol, 'admin']]);
      expectProblem(await call(carol, 'DELETE', `/tenants/${doomed.id}`), 403, 'forbidden');
      expectProblem(
        await call(alice, 'DELETE', `/tenants/${doomed.id}`, undefined, { 'if-match': '"stale"' }),
        412,
        'precondition_failed',
      );
      published.clear();
      await ok(call(alice, 'DELETE', `/tenants/${doomed.id}`), 204);
      expect(published.payloadsOf('tenancy.tenant_deleted')).toEqual([
        expect.objectContaining({ tenant_id: doomed.id, slug: doomed.slug, by_user_id: alice.id }),
      ]);
      expectProblem(await call(alice, 'GET', `/tenants/${doomed.id}`), 404, 'tenant_not_found');
      expect(await t.db.query('SELECT 1 FROM memberships WHERE tenant_id = $1', [doomed.id])).toEqual([]);
      await settled(t);
      expect(
        await t.db.query(`SELECT actor_id FROM audit_events WHERE type = 'tenancy.tenant_deleted' AND subject_id = $1`, [
          doomed.id,
        ]),
      ).toEqual([{ actor_id: alice.id }]);
    });
  });

  // ------------------------------------------------------------------------- platform admin
  describe('platform admins', () => {
    let acme: Json;
    beforeAll(async () => {
      acme = await tenantOf(alice, [
        [carol, 'admin'],
        [bob, 'member'],
      ]);
    });

    it('are the only ones on /admin/tenants (403 for users)', async () => {
      expectProblem(await call(alice, 'GET', '/admin/tenants'), 403, 'forbidden');
      expectProblem(await call(alice, 'PATCH', `/admin/tenants/${acme.id}`, { status: 'suspended' }), 403, 'forbidden');
    });

    it('list every tenant with its member count, searchable by name or slug, filterable by status', async () => {
      const all = await ok(call(admin, 'GET', '/admin/tenants?page_size=100'));
      expect(all.total).toBeGreaterThanOrEqual(10);
      const found = await ok(call(admin, 'GET', `/admin/tenants?q=${encodeURIComponent(acme.slug as string)}`));
      expect(found.items).toEqual([
        {
          id: acme.id,
          slug: acme.slug,
          name: acme.name,
          status: 'active',
          personal: false,
          settings: acme.settings,
          quotas: acme.quotas,
          member_count: 3,
          created_at: acme.created_at,
          updated_at: expect.any(String),
        },
      ]);
      expect((await ok(call(admin, 'GET', `/admin/tenants?q=${encodeURIComponent(acme.name as string)}`))).items).toEqual([
        expect.objectContaining({ id: acme.id }),
      ]);
      expect((await ok(call(admin, 'GET', '/admin/tenants?q=%25_'))).total).toBe(0);
      const personal = (await ok(call(admin, 'GET', `/admin/tenants?q=u-${alice.id.replace(/-/g, '')}`))).items as Json[];
      expect(personal).toEqual([expect.objectContaining({ personal: true, member_count: 1 })]);
      expectValidation(await call(admin, 'GET', '/admin/tenants?status=deleted'), ['status']);
      expect(await ok(call(admin, 'GET', `/admin/tenants/${acme.id}`))).toEqual(found.items[0]);
      expectProblem(await call(admin, 'GET', `/admin/tenants/${UNKNOWN_ID}`), 404, 'tenant_not_found');
    });

    it('suspend a tenant: its members can list and read it, nothing more (403 tenant_suspended)', async () => {
      published.clear();
      const suspended = await ok(call(admin, 'PATCH', `/admin/tenants/${acme.id}`, { status: 'suspended' }));
      expect(suspended).toMatchObject({ id: acme.id, status: 'suspended', member_count: 3 });
      expect(published.payloadsOf('tenancy.tenant_suspended')).toEqual([
        expect.objectContaining({ tenant_id: acme.id, by_user_id: admin.id }),
      ]);
      expect((await ok(call(admin, 'GET', '/admin/tenants?status=suspended'))).items).toEqual([
        expect.objectContaining({ id: acme.id }),
      ]);

      expect(await ok(call(bob, 'GET', `/tenants/${acme.id}`))).toMatchObject({ status: 'suspended', role: 'member' });
      const listed = (await ok(call(alice, 'GET', '/tenants?page_size=100'))).items as Json[];
      expect(listed.find((i) => i.id === acme.id)).toMatchObject({ status: 'suspended' });

      expectProblem(await call(alice, 'PATCH', `/tenants/${acme.id}`, { name: 'Still here' }), 403, 'tenant_suspended');
      expectProblem(await call(alice, 'DELETE', `/tenants/${acme.id}`), 403, 'tenant_suspended');
      expectProblem(await call(bob, 'GET', `/tenants/${acme.id}/members`), 403, 'tenant_suspended');
      expectProblem(
        await call(alice, 'PATCH', `/tenants/${acme.id}/members/${bob.id}`, { role: 'admin' }),
        403,
        'tenant_suspended',
      );
      expectProblem(await call(bob, 'DELETE', `/tenants/${acme.id}/members/${bob.id}`), 403, 'tenant_suspended');
      // Outsiders still learn nothing.
      expectProblem(await call(dave, 'PATCH', `/tenants/${acme.id}`, { name: 'x' }), 404, 'tenant_not_found');
    });

    it('reactivate it: changes work again', async () => {
      published.clear();
      expect(await ok(call(admin, 'PATCH', `/admin/tenants/${acme.id}`, { status: 'active' }))).toMatchObject({
        status: 'active',
      });
      expect(published.payloadsOf('tenancy.tenant_reactivated')).toEqual([
        expect.objectContaining({ tenant_id: acme.id, by_user_id: admin.id }),
      ]);
      await ok(call(alice, 'PATCH', `/tenants/${acme.id}`, { name: 'Acme again' }));
    });

    it('set quotas (merged; null is unlimited), which members then see; events and audit', async () => {
      published.clear();
      const res = await call(admin, 'PATCH', `/admin/tenants/${acme.id}`, {
        quotas: { max_members: 10, max_storage_bytes: 2 ** 33 },
      });
      const body = await ok(res);
      expect(body.quotas).toEqual({
        max_members: 10,
        max_projects: null,
        max_storage_bytes: 2 ** 33,
        max_requests_per_minute: null,
      });
      expect(published.payloadsOf('tenancy.quotas_changed')).toEqual([
        expect.objectContaining({
          tenant_id: acme.id,
          by_user_id: admin.id,
          fields: ['max_members', 'max_storage_bytes'],
          quotas: body.quotas,
        }),
      ]);
      const next = await ok(
        call(admin, 'PATCH', `/admin/tenants/${acme.id}`, { quotas: { max_members: null, max_projects: 5 } }),
      );
      expect(next.quotas).toEqual({
        max_members: null,
        max_projects: 5,
        max_storage_bytes: 2 ** 33,
        max_requests_per_minute: null,
      });
      expect((await ok(call(bob, 'GET', `/tenants/${acme.id}`))).quotas).toEqual(next.quotas);

      expectProblem(
        await call(
          admin,
          'PATCH',
          `/admin/tenants/${acme.id}`,
          { quotas: { max_members: 0 } },
          { 'if-match': String(res.headers.etag) },
        ),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(
          admin,
          'PATCH',
          `/admin/tenants/${acme.id}`,
          { quotas: { max_members: 3 } },
          { 'if-match': String(res.headers.etag) },
        ),
        412,
        'precondition_failed',
      );
      await settled(t);
      const audit = await t.db.query<Json>(
        `SELECT type, actor_id FROM audit_events WHERE subject_type = 'tenant' AND subject_id = $1 AND actor_id = $2 ORDER BY seq`,
        [acme.id, admin.id],
      );
      expect(audit.map((row) => row.type)).toEqual([
        'tenancy.tenant_suspended',
        'tenancy.tenant_reactivated',
        'tenancy.quotas_changed',
        'tenancy.quotas_changed',
      ]);
    });

    it.each([
      [
        'an empty patch',
        {},
        [
          ['status', 'at_least_one_required'],
          ['quotas', 'at_least_one_required'],
        ],
      ],
      ['an unknown status', { status: 'deleted' }, [['status', 'is_in']]],
      ['an unknown quota', { quotas: { max_cats: 1 } }, [['quotas.max_cats', 'unknown_field']]],
      ['a negative quota', { quotas: { max_projects: -1 } }, [['quotas.max_projects', 'quota']]],
      ['a name (not theirs to change)', { name: 'Taken over' }, [['name', 'unknown_field']]],
    ] as [string, object, [string, string?][]][])('refuse %s: 400', async (_label, payload, fields) => {
      expectValidation(await call(admin, 'PATCH', `/admin/tenants/${acme.id}`, payload), ...fields);
    });

    it('answer 404 tenant_not_found for an unknown tenant', async () => {
      expectProblem(await call(admin, 'PATCH', `/admin/tenants/${UNKNOWN_ID}`, { status: 'suspended' }), 404, 'tenant_not_found');
    });
  });

  // ---------------------------------------------------------------------- tenant resolution
  describe('TenantResolver (X-Tenant-Id)', () => {
    const probe = (who: Person, tenantId?: string): Promise<LightMyRequestResponse> =>
      call(who, 'GET', '/test-tenancy/current', undefined, tenantId === undefined ? {} : { 'x-tenant-id': tenantId });

    it('without the header: the personal tenant, made on first use', async () => {
      const fresh = await person(t, 'resolver');
      const body = await ok(probe(fresh));
      expect(body).toEqual({
        tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        role: 'owner',
        status: 'active',
        personal: true,
        settings: { mfa_required: false, allowed_email_domains: [], session_max_age: null },
        quotas: { max_members: null, max_projects: null, max_storage_bytes: null, max_requests_per_minute: null },
      });
      const [row] = await t.db.query<{ id: string }>('SELECT id FROM tenants WHERE personal_owner_id = $1', [fresh.id]);
      expect(body.tenantId).toBe(row.id);
    });

    it('with the header: that tenant, with the caller’s role, settings and quotas', async () => {
      const team = await tenantOf(alice, [[bob, 'member']]);
      expect(await ok(probe(bob, team.id as string))).toMatchObject({ tenantId: team.id, role: 'member', personal: false });
      expect(await ok(probe(bob, (team.id as string).toUpperCase()))).toMatchObject({ tenantId: team.id });
    });

    it.each(['not-a-uuid', '', '1234', `${UNKNOWN_ID}x`])(
      'a header that is not a UUID (%p) is 400 naming X-Tenant-Id',
      async (header) => {
        expectValidation(await probe(alice, header), ['X-Tenant-Id', 'is_uuid']);
      },
    );

    it('a tenant the caller is not a member of (or none at all) is 404 tenant_not_found', async () => {
      const theirs = await tenantOf(alice);
      expectProblem(await probe(bob, theirs.id as string), 404, 'tenant_not_found');
      expectProblem(await probe(bob, UNKNOWN_ID), 404, 'tenant_not_found');
      expectProblem(await probe(admin, theirs.id as string), 404, 'tenant_not_found');
    });

    it('a suspended tenant is 403 tenant_suspended, the personal one included', async () => {
      const team = await tenantOf(alice);
      await ok(call(admin, 'PATCH', `/admin/tenants/${team.id}`, { status: 'suspended' }));
      expectProblem(await probe(alice, team.id as string), 403, 'tenant_suspended');

      const who = await person(t, 'suspended-personal');
      const personalId = (await ok(probe(who))).tenantId as string;
      await ok(call(admin, 'PATCH', `/admin/tenants/${personalId}`, { status: 'suspended' }));
      expectProblem(await probe(who), 403, 'tenant_suspended');
    });

    it('is the same service to inject: resolve(userId, header)', async () => {
      const resolver = t.app.get(TenantResolver);
      const mine = await resolver.resolve(alice.id, undefined);
      expect(mine).toMatchObject({ role: 'owner', personal: true });
      await expect(resolver.resolve(alice.id, 'nope')).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
      await expect(resolver.resolve(bob.id, mine.tenantId)).rejects.toMatchObject({ status: 404, code: 'tenant_not_found' });
    });
  });

  // -------------------------------------------------------------------------- personal data
  describe('personal data', () => {
    it('the export lists the user’s tenants and the invitations to their address; erasure removes them all', async () => {
      const who = await person(t, 'leaving');
      const team = await tenantOf(alice, [[who, 'admin']]);
      const other = await tenantOf(alice);
      const [invitation] = await t.db.query<{ id: string }>(
        `INSERT INTO tenant_invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, 'member', repeat('c', 64), $3, now() + interval '1 day') RETURNING id`,
        [other.id, who.email.toLowerCase(), alice.id],
      );
      await ok(call(who, 'GET', '/tenants'));
      const doc = await ok(call(who, 'GET', '/auth/me/export'));
      expect(doc.tenant_invitations).toEqual([
        {
          id: invitation.id,
          tenant_id: other.id,
          tenant_name: other.name,
          role: 'member',
          status: 'pending',
          created_at: expect.any(String),
          expires_at: expect.any(String),
        },
      ]);
      expect(JSON.stringify(doc.tenant_invitations)).not.toContain('token');
      expect(doc.tenant_memberships).toEqual([
        expect.objectContaining({ tenant_id: team.id, personal: false, role: 'admin', joined_at: expect.any(String) }),
        expect.objectContaining({ personal: true, role: 'owner', slug: `u-${who.id.replace(/-/g, '')}` }),
      ]);

      const holder = t.app.get(TenancyPersonalData);
      const dataSource = t.app.get(DataSource);
      // The personal tenant (its membership goes with it), the other membership, the invitation.
      expect(await runInTransaction(dataSource, (m) => holder.erase({ userId: who.id, email: who.email }, m))).toBe(3);
      expect(await t.db.query('SELECT 1 FROM tenant_invitations WHERE id = $1', [invitation.id])).toEqual([]);
      expect(await t.db.query('SELECT 1 FROM tenants WHERE personal_owner_id = $1', [who.id])).toEqual([]);
      expect(await t.db.query('SELECT 1 FROM memberships WHERE user_id = $1', [who.id])).toEqual([]);
      expect(await ownersOf(team.id as string)).toEqual([alice.id]);
      expect(await runInTransaction(dataSource, (m) => holder.erase({ userId: who.id, email: who.email }, m))).toBe(0);
    });
  });

  // ------------------------------------------------------------------------------ migration
  describe('the migration', () => {
    it('backfills a personal tenant with an owner membership for every account but erased ones, and reverts cleanly', async () => {
      // A database of its own, migrated by the login that owns the schema (the app's pool may run as a runtime role).
      const db = await createTestDatabase('tenancy_migration');
      const dataSource = new DataSource(dataSourceOptions(db.url, 2));
      await dataSource.initialize();
      const runner = dataSource.createQueryRunner();
      const migration = new Tenancy1796515200000();
      try {
        await dataSource.runMigrations({ transaction: 'each' });
        await new TenantOwnedData1796601600000().down(runner);
        await migration.down(runner);
        expect(
          await db.query(
            `SELECT to_regclass('tenants') AS t, to_regclass('memberships') AS m, to_regclass('tenant_invitations') AS i`,
          ),
        ).toEqual([{ t: null, m: null, i: null }]);
        const users = await db.query<{ id: string; display_name: string | null }>(
          `INSERT INTO users (email, password_hash, display_name, erased_at)
           VALUES ('named@example.com', 'x', 'Ada L.', NULL), ('blank@example.com', 'x', '  ', NULL),
                  ('anonymous@example.com', 'x', NULL, NULL), ('erased@erased.invalid', 'x', NULL, now())
           RETURNING id, display_name`,
        );
        await migration.up(runner);
        const rows = await db.query<Json>(
          `SELECT t.slug, t.name, t.status, t.personal_owner_id, m.user_id, m.role
           FROM tenants t JOIN memberships m ON m.tenant_id = t.id ORDER BY t.name, t.slug`,
        );
        const expected = users.slice(0, 3).map((u, i) => ({
          slug: `u-${u.id.replace(/-/g, '')}`,
          name: ['Ada L.', 'Personal', 'Personal'][i],
          status: 'active',
          personal_owner_id: u.id,
          user_id: u.id,
          role: 'owner',
        }));
        expect(rows).toEqual(expect.arrayContaining(expected));
        expect(rows).toHaveLength(3);
        expect(rows.every((row) => (row.slug as string).length === 34)).toBe(true);
      } finally {
        await runner.release();
        await dataSource.destroy();
        await db.drop();
      }
    });

    it('moves every project, ticket, post and file into its owner’s personal tenant behind row-level security, and reverts cleanly', async () => {
      const db = await createTestDatabase('tenant_data_migration');
      const dataSource = new DataSource(dataSourceOptions(db.url, 2));
      await dataSource.initialize();
      const runner = dataSource.createQueryRunner();
      const migration = new TenantOwnedData1796601600000();
      const tables = ['projects', 'support_tickets', 'community_posts', 'files'];
      const rlsOf = () =>
        db.query<Json>(
          `SELECT relname, relrowsecurity AS enabled, relforcerowsecurity AS forced,
                  (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
           FROM pg_class c WHERE relname = ANY($1) AND relkind = 'r' ORDER BY relname`,
          [tables],
        );
      try {
        await dataSource.runMigrations({ transaction: 'each' });
        await migration.down(runner);
        expect((await rlsOf()).every((t) => !t.enabled && !t.forced && t.policies === 0)).toBe(true);
        expect(await db.query(`SELECT to_regclass('ix_projects_created') IS NOT NULL AS back`)).toEqual([{ back: true }]);
        // One account from before the Tenancy migration (with a personal tenant), one made since (without one).
        const [veteran, newcomer] = await db.query<{ id: string }>(
          `INSERT INTO users (email, password_hash, display_name) VALUES ('veteran@example.com', 'x', 'Vet'), ('new@example.com', 'x', NULL)
           RETURNING id`,
        );
        await db.query(
          `INSERT INTO tenants (slug, name, personal_owner_id) VALUES ('u-' || replace($1::text, '-', ''), 'Vet', $1::uuid)`,
          [veteran.id],
        );
        await db.query(
          `INSERT INTO memberships (tenant_id, user_id, role) SELECT id, $1, 'owner' FROM tenants WHERE personal_owner_id = $1`,
          [veteran.id],
        );
        for (const owner of [veteran.id, newcomer.id]) {
          await db.query(`INSERT INTO projects (owner_id, name) VALUES ($1, 'p')`, [owner]);
          await db.query(`INSERT INTO support_tickets (owner_id, subject, body) VALUES ($1, 's', 'b')`, [owner]);
          await db.query(`INSERT INTO community_posts (author_id, title, body) VALUES ($1, 't', 'b')`, [owner]);
          await db.query(
            `INSERT INTO files (id, owner_id, filename, content_type, size, sha256, scan_status)
             VALUES (gen_random_uuid(), $1, 'f.txt', 'text/plain', 1, repeat('a', 64), 'clean')`,
            [owner],
          );
        }

        await migration.up(runner);
        const personal = await db.query<{ id: string; personal_owner_id: string }>(
          'SELECT id, personal_owner_id FROM tenants WHERE personal_owner_id IS NOT NULL',
        );
        expect(personal.map((t) => t.personal_owner_id).sort()).toEqual([veteran.id, newcomer.id].sort());
        expect(
          await db.query(
            `SELECT role FROM memberships WHERE user_id = $1 AND tenant_id = (SELECT id FROM tenants WHERE personal_owner_id = $1)`,
            [newcomer.id],
          ),
        ).toEqual([{ role: 'owner' }]);
        const tenantOf = new Map(personal.map((t) => [t.personal_owner_id, t.id]));
        for (const table of tables) {
          const owner = table === 'community_posts' ? 'author_id' : 'owner_id';
          const rows = await db.query<{ owner: string; tenant_id: string }>(`SELECT ${owner} AS owner, tenant_id FROM ${table}`);
          expect(rows).toHaveLength(2);
          for (const row of rows) expect(row.tenant_id).toBe(tenantOf.get(row.owner));
        }
        expect((await rlsOf()).map((t) => [t.relname, t.enabled, t.forced, t.policies])).toEqual(
          [...tables].sort().map((name) => [name, true, true, 1]),
        );

        await migration.down(runner);
        expect(
          await db.query(
            `SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'tenant_id' AND table_name = ANY($1)`,
            [tables],
          ),
        ).toEqual([{ n: 0 }]);
        expect(await db.query('SELECT count(*)::int AS n FROM projects')).toEqual([{ n: 2 }]);
        await migration.up(runner);
        expect(await db.query('SELECT count(*)::int AS n FROM projects WHERE tenant_id IS NOT NULL')).toEqual([{ n: 2 }]);
      } finally {
        await runner.release();
        await dataSource.destroy();
        await db.drop();
      }
    });
  });
});
