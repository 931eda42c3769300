import type { LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestApp, type TestApp } from './support/app';
import { bearer, loginPerson, person, type Person } from './support/auth';
import { captureEvents, type EventCapture } from './support/events';
import { expectProblem } from './support/problem';
import { inTenant, personalTenantOf, sharedTenant } from './support/tenants';

const ADMIN_EMAIL = 'workspace.admin@example.com';
const ADMIN_PASSWORD = 'workspace-admin-passphrase-Qu1et-R1ver';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** A resource as the tests read it (every field of every workspace resource is a string). */
type Item = Record<string, string>;
type Payload = Record<string, unknown>;

describe('workspace: projects, support tickets, community posts (e2e)', () => {
  let t: TestApp;
  let admin: Person;
  let alice: Person;
  let bob: Person;
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
  async function ok(response: LightMyRequestResponse | Promise<LightMyRequestResponse>, status = 200) {
    const res = await response;
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
    return status === 204 ? {} : res.json();
  }

  function expectValidation(res: LightMyRequestResponse, ...fields: string[]): void {
    const body = expectProblem(res, 400, 'validation_failed');
    expect(Array.isArray(body.errors)).toBe(true);
    for (const field of fields) expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  }

  const eventsNamed = (name: string): Payload[] => published.payloadsOf(name);

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
    published = captureEvents(t);
    admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    alice = await person(t, 'alice');
    bob = await person(t, 'bob');
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['GET', '/projects'],
    ['POST', '/projects'],
    ['GET', `/projects/${UNKNOWN_ID}`],
    ['PATCH', `/projects/${UNKNOWN_ID}`],
    ['DELETE', `/projects/${UNKNOWN_ID}`],
    ['GET', '/support/tickets'],
    ['POST', '/support/tickets'],
    ['GET', `/support/tickets/${UNKNOWN_ID}`],
    ['PATCH', `/support/tickets/${UNKNOWN_ID}`],
    ['GET', '/community/posts'],
    ['POST', '/community/posts'],
    ['GET', `/community/posts/${UNKNOWN_ID}`],
  ] as const)('%s %s requires authentication (401 problem)', async (method, url) => {
    const res = await call(null, method, url, method === 'POST' || method === 'PATCH' ? { name: 'x' } : undefined);
    expectProblem(res, 401, 'unauthenticated');
  });

  // ------------------------------------------------------------------------------- projects
  describe('projects', () => {
    it('creates a project owned by the caller in their personal tenant: 201 with ETag and Location, published event', async () => {
      const res = await call(alice, 'POST', '/projects', { name: '  Apollo  ', description: 'To the moon' });
      const body = await ok(res, 201);
      const tenantId = await personalTenantOf(t, alice);
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        tenant_id: tenantId,
        name: 'Apollo',
        description: 'To the moon',
        status: 'active',
        owner_id: alice.id,
        created_at: expect.any(String),
        updated_at: body.created_at,
      });
      expect(res.headers.location).toBe(`/api/v1/projects/${body.id}`);
      const read = await call(alice, 'GET', `/projects/${body.id}`);
      expect(await ok(read)).toEqual(body);
      expect(res.headers.etag).toBe(read.headers.etag);
      expect(eventsNamed('workspace.project_created')).toContainEqual(
        expect.objectContaining({ project_id: body.id, tenant_id: tenantId, owner_id: alice.id, by_user_id: alice.id }),
      );
    });

    it('one Idempotency-Key sent to two tenants is two keys: each tenant gets its project (no replay across tenants)', async () => {
      const [first, second] = [await sharedTenant(t, alice), await sharedTenant(t, alice)];
      const key = { 'idempotency-key': `tenants-${Date.now()}` };
      const inFirst = await call(alice, 'POST', '/projects', { name: 'Keyed' }, { ...inTenant(first), ...key });
      const inSecond = await call(alice, 'POST', '/projects', { name: 'Keyed' }, { ...inTenant(second), ...key });
      expect([inFirst.statusCode, inSecond.statusCode]).toEqual([201, 201]);
      expect(inSecond.headers['idempotent-replayed']).toBeUndefined();
      expect([inFirst.json().tenant_id, inSecond.json().tenant_id]).toEqual([first, second]);
      // The same tenant written another way (case, spaces) is the same key: a replay.
      const again = await call(
        alice,
        'POST',
        '/projects',
        { name: 'Keyed' },
        { 'x-tenant-id': ` ${second.toUpperCase()} `, ...key },
      );
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().id).toBe(inSecond.json().id);
    });

    it('a create racing the deletion of its tenant answers 404 tenant_not_found, not 500', async () => {
      const team = await sharedTenant(t, alice);
      const etag = (await call(alice, 'GET', `/tenants/${team}`)).headers.etag as string;
      // A connection of the test's own holds the tenant's row, so the delete and then the create queue behind it:
      // the create has read the tenant already, and its insert's foreign key check meets the delete's result.
      const holder = new Client({ connectionString: t.db.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE', [team]);
        const deleting = call(alice, 'DELETE', `/tenants/${team}`, undefined, { 'if-match': etag });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const creating = call(alice, 'POST', '/projects', { name: 'Racing' }, inTenant(team));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await holder.query('COMMIT');
        expect((await deleting).statusCode).toBe(204);
        expectProblem(await creating, 404, 'tenant_not_found');
      } finally {
        await holder.end();
      }
    });

    it('defaults the description to empty and accepts an initial status', async () => {
      const body = await ok(await call(alice, 'POST', '/projects', { name: 'Gemini', status: 'archived' }), 201);
      expect(body).toMatchObject({ name: 'Gemini', description: '', status: 'archived' });
    });

    it.each([
      ['no name', {}, ['name']],
      ['a blank name', { name: '   ' }, ['name']],
      ['a too long name', { name: 'n'.repeat(201) }, ['name']],
      ['a non-string name', { name: 42 }, ['name']],
      ['a too long description', { name: 'ok', description: 'd'.repeat(5001) }, ['description']],
      ['an unknown status', { name: 'ok', status: 'deleted' }, ['status']],
      ['an owner_id (not writable)', { name: 'ok', owner_id: UNKNOWN_ID }, ['owner_id']],
      ['an id (not writable)', { name: 'ok', id: UNKNOWN_ID }, ['id']],
    ])('rejects a create with %s: 400 problem with errors[]', async (_label, payload, fields) => {
      expectValidation(await call(alice, 'POST', '/projects', payload), ...fields);
    });

    describe('reading one', () => {
      let project: Item;
      beforeAll(async () => {
        project = await ok(await call(alice, 'POST', '/projects', { name: 'Mercury' }), 201);
      });

      it('returns a strong ETag and 304 to a matching If-None-Match', async () => {
        const first = await call(alice, 'GET', `/projects/${project.id}`);
        expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
        const again = await call(alice, 'GET', `/projects/${project.id}`, undefined, {
          'if-none-match': String(first.headers.etag),
        });
        expect(again.statusCode).toBe(304);
        expect(again.body).toBe('');
      });

      it('is 404 (not 403) for another user (their own personal tenant), so ids do not leak', async () => {
        const res = await call(bob, 'GET', `/projects/${project.id}`);
        const body = expectProblem(res, 404, 'project_not_found');
        const unknown = expectProblem(await call(bob, 'GET', `/projects/${UNKNOWN_ID}`), 404, 'project_not_found');
        expect(body.detail).toBe(unknown.detail);
      });

      it('is 404 for a platform admin too: without X-Tenant-Id they act in their own personal tenant', async () => {
        expectProblem(await call(admin, 'GET', `/projects/${project.id}`), 404, 'project_not_found');
        expect(await ok(await call(alice, 'GET', `/projects/${project.id}`))).toEqual(project);
      });

      it('rejects an id that is not a UUID with a 400 naming id', async () => {
        expectValidation(await call(alice, 'GET', '/projects/not-a-uuid'), 'id');
      });
    });

    describe('lists', () => {
      let carol: Person;
      let dave: Person;
      const names: string[] = [];

      beforeAll(async () => {
        carol = await person(t, 'carol');
        dave = await person(t, 'dave');
        for (let i = 1; i <= 25; i += 1) {
          const name = `Carol ${i % 3 === 0 ? 'Rocket' : 'Garden'} ${String(i).padStart(2, '0')}`;
          names.push(name);
          await ok(await call(carol, 'POST', '/projects', { name, status: i % 5 === 0 ? 'archived' : 'active' }), 201);
        }
        await ok(await call(dave, 'POST', '/projects', { name: 'Dave 100% done_ok' }), 201);
        await ok(await call(dave, 'POST', '/projects', { name: 'Dave 100 percent' }), 201);
      });

      it('pages the caller’s projects newest first with the standard block', async () => {
        const first = await ok(await call(carol, 'GET', '/projects?page=1&page_size=10'));
        expect(first).toMatchObject({ total: 25, page: 1, page_size: 10, pages: 3 });
        const reversed = [...names].reverse();
        expect(first.items.map((p: Item) => p.name)).toEqual(reversed.slice(0, 10));
        const second = await ok(await call(carol, 'GET', '/projects?page=2&page_size=10'));
        expect(second.items.map((p: Item) => p.name)).toEqual(reversed.slice(10, 20));
        const third = await ok(await call(carol, 'GET', '/projects?page=3&page_size=10'));
        expect(third.items.map((p: Item) => p.name)).toEqual(reversed.slice(20));
        const beyond = await ok(await call(carol, 'GET', '/projects?page=4&page_size=10'));
        expect(beyond).toMatchObject({ items: [], total: 25, pages: 3 });
        expect(first.items.every((p: Item) => p.owner_id === carol.id)).toBe(true);
      });

      it('orders ties in created_at by id, descending, so pages never overlap', async () => {
        const rows = await t.db.query<{ id: string }>(`SELECT id FROM projects WHERE owner_id = $1`, [carol.id]);
        await t.db.query(`UPDATE projects SET created_at = '2026-01-01T00:00:00Z' WHERE owner_id = $1`, [carol.id]);
        const seen: string[] = [];
        for (let page = 1; page <= 3; page += 1) {
          const body = await ok(await call(carol, 'GET', `/projects?page=${page}&page_size=10`));
          seen.push(...body.items.map((p: Item) => p.id));
        }
        expect(seen).toEqual(
          rows
            .map((r) => r.id)
            .sort()
            .reverse(),
        );
      });

      it('filters by q (case-insensitive substring of the name) and by status', async () => {
        const rocket = await ok(await call(carol, 'GET', '/projects?q=rOcKeT&page_size=100'));
        expect(rocket.total).toBe(8);
        expect(rocket.items.every((p: Item) => p.name.includes('Rocket'))).toBe(true);
        const archived = await ok(await call(carol, 'GET', '/projects?status=archived&page_size=100'));
        expect(archived.total).toBe(5);
        expect(archived.items.every((p: Item) => p.status === 'archived')).toBe(true);
        const both = await ok(await call(carol, 'GET', '/projects?q=rocket&status=archived'));
        expect(both.items.map((p: Item) => p.name)).toEqual(['Carol Rocket 15']);
      });

      it('matches % and _ in q literally', async () => {
        const percent = await ok(await call(dave, 'GET', `/projects?q=${encodeURIComponent('100%')}`));
        expect(percent.items.map((p: Item) => p.name)).toEqual(['Dave 100% done_ok']);
        const underscore = await ok(await call(dave, 'GET', '/projects?q=e_o'));
        expect(underscore.items.map((p: Item) => p.name)).toEqual(['Dave 100% done_ok']);
        expect((await ok(await call(dave, 'GET', '/projects?q=0_p'))).total).toBe(0);
      });

      it('shows a user only their own tenant’s; owner_id cannot widen it', async () => {
        const daves = await ok(await call(dave, 'GET', '/projects'));
        expect(daves.total).toBe(2);
        const peek = await ok(await call(dave, 'GET', `/projects?owner_id=${carol.id}`));
        expect(peek).toMatchObject({ items: [], total: 0 });
        expect((await ok(await call(dave, 'GET', `/projects?owner_id=${dave.id}`))).total).toBe(2);
      });

      it('shows a platform admin only their own tenant’s too; owner_id cannot widen it', async () => {
        const mine = await ok(await call(admin, 'POST', '/projects', { name: 'Admin’s own project' }), 201);
        const all = await ok(await call(admin, 'GET', '/projects?page_size=100'));
        expect(all.items.map((p: Item) => p.id)).toEqual([mine.id]);
        expect(all.items[0]).toMatchObject({ owner_id: admin.id, tenant_id: await personalTenantOf(t, admin) });
        const carols = await ok(await call(admin, 'GET', `/projects?owner_id=${carol.id}&page_size=100`));
        expect(carols).toMatchObject({ items: [], total: 0 });
        await ok(await call(admin, 'DELETE', `/projects/${mine.id}`), 204);
      });

      it('inside a shared tenant lists every member’s projects, and owner_id is a plain filter', async () => {
        const [owner, member] = [await person(t, 'list-owner'), await person(t, 'list-member')];
        const team = await sharedTenant(t, owner, [[member, 'member']]);
        const ownersProject = await ok(await call(owner, 'POST', '/projects', { name: 'Owner’s' }, inTenant(team)), 201);
        const membersProject = await ok(await call(member, 'POST', '/projects', { name: 'Member’s' }, inTenant(team)), 201);
        await ok(await call(member, 'POST', '/projects', { name: 'Member’s personal' }), 201);
        for (const who of [owner, member]) {
          const all = await ok(await call(who, 'GET', '/projects', undefined, inTenant(team)));
          expect(all.items.map((p: Item) => p.id)).toEqual([membersProject.id, ownersProject.id]);
          expect(all.items.every((p: Item) => p.tenant_id === team)).toBe(true);
        }
        const byOwner = await ok(await call(member, 'GET', `/projects?owner_id=${owner.id}`, undefined, inTenant(team)));
        expect(byOwner.items.map((p: Item) => p.id)).toEqual([ownersProject.id]);
        const byMember = await ok(await call(owner, 'GET', `/projects?owner_id=${member.id}`, undefined, inTenant(team)));
        expect(byMember.items.map((p: Item) => p.id)).toEqual([membersProject.id]);
      });

      it('sends a strong ETag and Cache-Control: private, no-cache; 304 while unchanged, a new ETag after a change', async () => {
        const first = await call(dave, 'GET', '/projects');
        expect(first.headers['cache-control']).toBe('private, no-cache');
        const etag = String(first.headers.etag);
        const same = await call(dave, 'GET', '/projects', undefined, { 'if-none-match': etag });
        expect(same.statusCode).toBe(304);
        await ok(await call(dave, 'POST', '/projects', { name: 'Dave again' }), 201);
        const changed = await call(dave, 'GET', '/projects', undefined, { 'if-none-match': etag });
        expect(changed.statusCode).toBe(200);
        expect(changed.headers.etag).not.toBe(etag);
      });

      it.each([
        ['?page=0', 'page'],
        ['?page_size=101', 'page_size'],
        ['?status=deleted', 'status'],
        ['?owner_id=nope', 'owner_id'],
        [`?q=${'q'.repeat(201)}`, 'q'],
        ['?sort=name', 'sort'],
      ])('rejects %s with a 400 problem naming the parameter', async (query, field) => {
        expectValidation(await call(dave, 'GET', `/projects${query}`), field);
      });
    });

    describe('PATCH and DELETE with If-Match', () => {
      let project: Item;
      let etag: string;

      beforeEach(async () => {
        const res = await call(alice, 'POST', '/projects', { name: 'Vostok', description: 'first' });
        project = await ok(res, 201);
        etag = String(res.headers.etag);
      });

      it('changes only the sent fields and returns the new representation with its ETag', async () => {
        const res = await call(alice, 'PATCH', `/projects/${project.id}`, { description: 'second', status: 'archived' });
        const body = await ok(res);
        expect(body).toMatchObject({
          id: project.id,
          name: 'Vostok',
          description: 'second',
          status: 'archived',
          owner_id: alice.id,
        });
        expect(Date.parse(body.updated_at)).toBeGreaterThan(Date.parse(project.updated_at));
        expect(body.created_at).toBe(project.created_at);
        expect(res.headers.etag).not.toBe(etag);
        const read = await call(alice, 'GET', `/projects/${project.id}`);
        expect(read.json()).toEqual(body);
        expect(read.headers.etag).toBe(res.headers.etag);
        expect(eventsNamed('workspace.project_updated')).toContainEqual({
          project_id: project.id,
          tenant_id: project.tenant_id,
          owner_id: alice.id,
          by_user_id: alice.id,
          fields: ['description', 'status'],
          occurred_at: expect.any(String),
        });
      });

      it('a matching If-Match (or *, or a list holding it) lets the change through', async () => {
        const first = await call(alice, 'PATCH', `/projects/${project.id}`, { name: 'Vostok 1' }, { 'if-match': etag });
        expect((await ok(first)).name).toBe('Vostok 1');
        const second = await call(alice, 'PATCH', `/projects/${project.id}`, { name: 'Vostok 2' }, { 'if-match': '*' });
        expect((await ok(second)).name).toBe('Vostok 2');
        const listed = `"nope", ${String(second.headers.etag)}`;
        expect(
          (await ok(await call(alice, 'PATCH', `/projects/${project.id}`, { name: 'Vostok 3' }, { 'if-match': listed }))).name,
        ).toBe('Vostok 3');
      });

      it('a stale If-Match is a 412 precondition_failed and changes nothing', async () => {
        const first = await call(alice, 'PATCH', `/projects/${project.id}`, { name: 'Voskhod' }, { 'if-match': etag });
        await ok(first);
        const stale = await call(alice, 'PATCH', `/projects/${project.id}`, { name: 'Soyuz' }, { 'if-match': etag });
        expectProblem(stale, 412, 'precondition_failed');
        const current = await ok(await call(alice, 'GET', `/projects/${project.id}`));
        expect(current.name).toBe('Voskhod');
      });

      it('a weak If-Match never matches (strong comparison)', async () => {
        expectProblem(
          await call(alice, 'PATCH', `/projects/${project.id}`, { name: 'x' }, { 'if-match': `W/${etag}` }),
          412,
          'precondition_failed',
        );
      });

      it('of two concurrent writers holding the same ETag exactly one wins; the other gets 412', async () => {
        const results = await Promise.all(
          ['Luna A', 'Luna B', 'Luna C'].map((name) =>
            call(alice, 'PATCH', `/projects/${project.id}`, { name }, { 'if-match': etag }),
          ),
        );
        const codes = results.map((r) => r.statusCode).sort();
        expect(codes).toEqual([200, 412, 412]);
        const winner = results.find((r) => r.statusCode === 200)!.json();
        expect((await ok(await call(alice, 'GET', `/projects/${project.id}`))).name).toBe(winner.name);
      });

      it('a PATCH that repeats the current values changes nothing, not even the ETag', async () => {
        const res = await call(alice, 'PATCH', `/projects/${project.id}`, { name: 'Vostok' }, { 'if-match': etag });
        expect(await ok(res)).toEqual(project);
        expect(res.headers.etag).toBe(etag);
      });

      it.each([
        ['an empty body', {}, ['name', 'description', 'status']],
        ['a null name', { name: null }, ['name']],
        ['a blank name', { name: ' ' }, ['name']],
        ['an unknown status', { status: 'gone' }, ['status']],
        ['a non-writable field', { owner_id: UNKNOWN_ID }, ['owner_id']],
        ['an unknown field', { colour: 'red' }, ['colour']],
      ])('rejects %s with a 400 problem with errors[]', async (_label, payload, fields) => {
        expectValidation(await call(alice, 'PATCH', `/projects/${project.id}`, payload), ...fields);
      });

      it('an empty PATCH names every writable field with at_least_one_required', async () => {
        const body = expectProblem(await call(alice, 'PATCH', `/projects/${project.id}`, {}), 400, 'validation_failed');
        expect(body.errors.map((e: Item) => [e.field, e.code])).toEqual([
          ['name', 'at_least_one_required'],
          ['description', 'at_least_one_required'],
          ['status', 'at_least_one_required'],
        ]);
      });

      it('another user and a platform admin can neither change nor delete it (404: not in their tenant); it stays', async () => {
        for (const other of [bob, admin]) {
          expectProblem(await call(other, 'PATCH', `/projects/${project.id}`, { name: 'Mine now' }), 404, 'project_not_found');
          expectProblem(
            await call(other, 'PATCH', `/projects/${project.id}`, { name: 'Mine now' }, { 'if-match': etag }),
            404,
            'project_not_found',
          );
          expectProblem(await call(other, 'DELETE', `/projects/${project.id}`), 404, 'project_not_found');
        }
        const after = await call(alice, 'GET', `/projects/${project.id}`);
        expect(await ok(after)).toEqual(project);
        expect(after.headers.etag).toBe(etag);
      });

      it('in a shared tenant: a member reads another’s project but gets 403 forbidden changing or deleting it; the tenant’s admin and owner change and delete any', async () => {
        const [owner, tenantAdmin, member, other] = [
          await person(t, 'proj-owner'),
          await person(t, 'proj-admin'),
          await person(t, 'proj-member'),
          await person(t, 'proj-other'),
        ];
        const team = await sharedTenant(t, owner, [
          [tenantAdmin, 'admin'],
          [member, 'member'],
          [other, 'member'],
        ]);
        const created = await call(other, 'POST', '/projects', { name: 'Other’s', description: 'theirs' }, inTenant(team));
        const theirs = await ok(created, 201);
        expect(theirs).toMatchObject({ tenant_id: team, owner_id: other.id });
        const theirEtag = String(created.headers.etag);

        expect(await ok(await call(member, 'GET', `/projects/${theirs.id}`, undefined, inTenant(team)))).toEqual(theirs);
        expectProblem(
          await call(member, 'PATCH', `/projects/${theirs.id}`, { name: 'Mine now' }, inTenant(team)),
          403,
          'forbidden',
        );
        expectProblem(await call(member, 'DELETE', `/projects/${theirs.id}`, undefined, inTenant(team)), 403, 'forbidden');
        const unchanged = await call(other, 'GET', `/projects/${theirs.id}`, undefined, inTenant(team));
        expect(await ok(unchanged)).toEqual(theirs);
        expect(unchanged.headers.etag).toBe(theirEtag);
        // Without the header, the member acts in their personal tenant, where the project is unknown.
        expectProblem(await call(member, 'GET', `/projects/${theirs.id}`), 404, 'project_not_found');

        // A member changes their own.
        const own = await ok(await call(member, 'POST', '/projects', { name: 'Member’s' }, inTenant(team)), 201);
        expect(
          await ok(await call(member, 'PATCH', `/projects/${own.id}`, { description: 'edited' }, inTenant(team))),
        ).toMatchObject({ description: 'edited', owner_id: member.id, tenant_id: team });

        // The tenant's admin changes someone else's; the owner deletes it.
        const byAdmin = await ok(
          await call(
            tenantAdmin,
            'PATCH',
            `/projects/${theirs.id}`,
            { name: 'Renamed by admin' },
            {
              ...inTenant(team),
              'if-match': theirEtag,
            },
          ),
        );
        expect(byAdmin).toMatchObject({ name: 'Renamed by admin', owner_id: other.id, tenant_id: team });
        expect(eventsNamed('workspace.project_updated')).toContainEqual(
          expect.objectContaining({ project_id: theirs.id, tenant_id: team, owner_id: other.id, by_user_id: tenantAdmin.id }),
        );
        expect(await ok(await call(tenantAdmin, 'DELETE', `/projects/${own.id}`, undefined, inTenant(team)), 204)).toEqual({});
        expect(await ok(await call(owner, 'DELETE', `/projects/${theirs.id}`, undefined, inTenant(team)), 204)).toEqual({});
        expect(eventsNamed('workspace.project_deleted')).toContainEqual(
          expect.objectContaining({ project_id: theirs.id, tenant_id: team, owner_id: other.id, by_user_id: owner.id }),
        );
        expectProblem(await call(other, 'GET', `/projects/${theirs.id}`, undefined, inTenant(team)), 404, 'project_not_found');
        expectProblem(await call(member, 'GET', `/projects/${own.id}`, undefined, inTenant(team)), 404, 'project_not_found');
      });

      it('DELETE honours If-Match: 412 when stale, 204 when current, then 404', async () => {
        await ok(await call(alice, 'PATCH', `/projects/${project.id}`, { name: 'Changed' }));
        expectProblem(
          await call(alice, 'DELETE', `/projects/${project.id}`, undefined, { 'if-match': etag }),
          412,
          'precondition_failed',
        );
        const fresh = await call(alice, 'GET', `/projects/${project.id}`);
        const del = await call(alice, 'DELETE', `/projects/${project.id}`, undefined, { 'if-match': String(fresh.headers.etag) });
        expect(del.statusCode).toBe(204);
        expect(del.body).toBe('');
        expectProblem(await call(alice, 'GET', `/projects/${project.id}`), 404, 'project_not_found');
        expectProblem(await call(alice, 'DELETE', `/projects/${project.id}`), 404, 'project_not_found');
        expect(eventsNamed('workspace.project_deleted')).toContainEqual(
          expect.objectContaining({
            project_id: project.id,
            tenant_id: project.tenant_id,
            owner_id: alice.id,
            by_user_id: alice.id,
          }),
        );
      });

      it('404 comes before 412 for an unknown project', async () => {
        expectProblem(
          await call(alice, 'PATCH', `/projects/${UNKNOWN_ID}`, { name: 'x' }, { 'if-match': etag }),
          404,
          'project_not_found',
        );
      });
    });
  });

  // ------------------------------------------------------------------------ support tickets
  describe('support tickets', () => {
    const open = async (
      who: Person,
      payload: Payload = {},
      headers: Record<string, string> = {},
    ): Promise<{ body: Item; etag: string }> => {
      const res = await call(
        who,
        'POST',
        '/support/tickets',
        { subject: 'Cannot log in', body: 'Since Monday.', ...payload },
        headers,
      );
      return { body: await ok(res, 201), etag: String(res.headers.etag) };
    };

    it('opens a ticket in the caller’s personal tenant: status open, priority normal by default, owned by the caller', async () => {
      const { body } = await open(alice);
      const tenantId = await personalTenantOf(t, alice);
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        tenant_id: tenantId,
        subject: 'Cannot log in',
        body: 'Since Monday.',
        status: 'open',
        priority: 'normal',
        owner_id: alice.id,
        created_at: expect.any(String),
        updated_at: body.created_at,
      });
      expect(eventsNamed('workspace.ticket_created')).toContainEqual(
        expect.objectContaining({
          ticket_id: body.id,
          tenant_id: tenantId,
          owner_id: alice.id,
          priority: 'normal',
          by_user_id: alice.id,
        }),
      );
      expect((await open(alice, { priority: 'urgent' })).body.priority).toBe('urgent');
    });

    it.each([
      ['no subject', { subject: undefined }, ['subject']],
      ['no body', { body: undefined }, ['body']],
      ['a blank body', { body: '  \n ' }, ['body']],
      ['a too long subject', { subject: 's'.repeat(201) }, ['subject']],
      ['a too long body', { body: 'b'.repeat(10_001) }, ['body']],
      ['an unknown priority', { priority: 'critical' }, ['priority']],
      ['a status (every ticket starts open)', { status: 'closed' }, ['status']],
    ])('rejects a ticket with %s: 400 with errors[]', async (_label, override, fields) => {
      const payload = { subject: 'S', body: 'B', ...override };
      expectValidation(await call(alice, 'POST', '/support/tickets', payload), ...fields);
    });

    it('walks the workflow: open → in_progress → resolved → open → closed, publishing each status change', async () => {
      const { body: ticket } = await open(bob);
      for (const [from, to] of [
        ['open', 'in_progress'],
        ['in_progress', 'resolved'],
        ['resolved', 'open'],
        ['open', 'closed'],
      ]) {
        const res = await call(bob, 'PATCH', `/support/tickets/${ticket.id}`, { status: to });
        expect((await ok(res)).status).toBe(to);
        expect(eventsNamed('workspace.ticket_status_changed')).toContainEqual(
          expect.objectContaining({
            ticket_id: ticket.id,
            tenant_id: ticket.tenant_id,
            owner_id: bob.id,
            by_user_id: bob.id,
            from,
            to,
          }),
        );
      }
      expectProblem(await call(bob, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'open' }), 409, 'ticket_closed');
      expectProblem(await call(bob, 'PATCH', `/support/tickets/${ticket.id}`, { priority: 'high' }), 409, 'ticket_closed');
      expect((await ok(await call(bob, 'GET', `/support/tickets/${ticket.id}`))).status).toBe('closed');
    });

    it('refuses a transition the workflow does not allow with 409 invalid_status_transition', async () => {
      const { body: ticket } = await open(bob);
      await ok(await call(bob, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'resolved' }));
      const res = await call(bob, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'in_progress' });
      const body = expectProblem(res, 409, 'invalid_status_transition');
      expect(body).toMatchObject({ from: 'resolved', to: 'in_progress', allowed: ['open', 'closed'] });
      expect(body.errors).toEqual([expect.objectContaining({ field: 'status', code: 'invalid_transition' })]);
    });

    it('edits subject, body and priority; ETag 304 while unchanged, new ETag after', async () => {
      const { body: ticket, etag } = await open(alice);
      const cached = await call(alice, 'GET', `/support/tickets/${ticket.id}`, undefined, { 'if-none-match': etag });
      expect(cached.statusCode).toBe(304);
      const res = await call(
        alice,
        'PATCH',
        `/support/tickets/${ticket.id}`,
        { subject: 'Cannot log in on Safari', priority: 'high' },
        { 'if-match': etag },
      );
      const body = await ok(res);
      expect(body).toMatchObject({ subject: 'Cannot log in on Safari', body: 'Since Monday.', priority: 'high', status: 'open' });
      expect(res.headers.etag).not.toBe(etag);
      const after = await call(alice, 'GET', `/support/tickets/${ticket.id}`, undefined, { 'if-none-match': etag });
      expect(after.statusCode).toBe(200);
      expect(after.headers.etag).toBe(res.headers.etag);
      expect(eventsNamed('workspace.ticket_updated')).toContainEqual(
        expect.objectContaining({ ticket_id: ticket.id, tenant_id: ticket.tenant_id, fields: ['subject', 'priority'] }),
      );
    });

    it('a stale If-Match is 412 and changes nothing', async () => {
      const { body: ticket, etag } = await open(alice);
      await ok(await call(alice, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'in_progress' }));
      expectProblem(
        await call(alice, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'closed' }, { 'if-match': etag }),
        412,
        'precondition_failed',
      );
      expect((await ok(await call(alice, 'GET', `/support/tickets/${ticket.id}`))).status).toBe('in_progress');
    });

    it.each([
      ['an empty body', {}, ['subject', 'body', 'status', 'priority']],
      ['a null body', { body: null }, ['body']],
      ['an unknown status', { status: 'reopened' }, ['status']],
      ['an unknown field', { assignee: 'me' }, ['assignee']],
    ])('rejects a PATCH with %s: 400 with errors[]', async (_label, payload, fields) => {
      const { body: ticket } = await open(alice);
      expectValidation(await call(alice, 'PATCH', `/support/tickets/${ticket.id}`, payload), ...fields);
    });

    it('another user and a platform admin get 404 for read and write (not in their tenant); the ticket stays', async () => {
      const { body: ticket } = await open(alice);
      for (const other of [bob, admin]) {
        expectProblem(await call(other, 'GET', `/support/tickets/${ticket.id}`), 404, 'ticket_not_found');
        expectProblem(
          await call(other, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'in_progress' }),
          404,
          'ticket_not_found',
        );
      }
      expect(await ok(await call(alice, 'GET', `/support/tickets/${ticket.id}`))).toEqual(ticket);
    });

    it('in a shared tenant: a member reads another’s ticket but gets 403 forbidden working on it; the tenant’s admin and owner work on any', async () => {
      const [owner, tenantAdmin, member, other] = [
        await person(t, 'desk-owner'),
        await person(t, 'desk-admin'),
        await person(t, 'desk-member'),
        await person(t, 'desk-other'),
      ];
      const team = await sharedTenant(t, owner, [
        [tenantAdmin, 'admin'],
        [member, 'member'],
        [other, 'member'],
      ]);
      const { body: ticket, etag } = await open(other, {}, inTenant(team));
      expect(ticket).toMatchObject({ tenant_id: team, owner_id: other.id, status: 'open' });
      expect(eventsNamed('workspace.ticket_created')).toContainEqual(
        expect.objectContaining({ ticket_id: ticket.id, tenant_id: team, owner_id: other.id, by_user_id: other.id }),
      );

      expect(await ok(await call(member, 'GET', `/support/tickets/${ticket.id}`, undefined, inTenant(team)))).toEqual(ticket);
      expectProblem(
        await call(member, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'closed' }, inTenant(team)),
        403,
        'forbidden',
      );
      const unchanged = await call(other, 'GET', `/support/tickets/${ticket.id}`, undefined, inTenant(team));
      expect(await ok(unchanged)).toEqual(ticket);
      expect(unchanged.headers.etag).toBe(etag);
      expectProblem(await call(member, 'GET', `/support/tickets/${ticket.id}`), 404, 'ticket_not_found');

      const handled = await ok(
        await call(
          tenantAdmin,
          'PATCH',
          `/support/tickets/${ticket.id}`,
          { status: 'in_progress' },
          {
            ...inTenant(team),
            'if-match': etag,
          },
        ),
      );
      expect(handled).toMatchObject({ status: 'in_progress', owner_id: other.id, tenant_id: team });
      expect(eventsNamed('workspace.ticket_status_changed')).toContainEqual(
        expect.objectContaining({
          ticket_id: ticket.id,
          tenant_id: team,
          owner_id: other.id,
          by_user_id: tenantAdmin.id,
          from: 'open',
          to: 'in_progress',
        }),
      );
      const resolved = await ok(
        await call(owner, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'resolved' }, inTenant(team)),
      );
      expect(resolved).toMatchObject({ status: 'resolved', owner_id: other.id });
      expect(eventsNamed('workspace.ticket_updated')).toContainEqual(
        expect.objectContaining({ ticket_id: ticket.id, tenant_id: team, by_user_id: owner.id, fields: ['status'] }),
      );
    });

    describe('lists', () => {
      let erin: Person;
      let frank: Person;

      beforeAll(async () => {
        erin = await person(t, 'erin');
        frank = await person(t, 'frank');
        const priorities = ['low', 'normal', 'high', 'urgent'];
        for (let i = 1; i <= 12; i += 1) {
          const { body } = await open(erin, {
            subject: `${i % 2 ? 'Billing' : 'Login'} issue ${i}`,
            priority: priorities[i % 4],
          });
          if (i % 3 === 0) await ok(await call(erin, 'PATCH', `/support/tickets/${body.id}`, { status: 'in_progress' }));
        }
        await open(frank, { subject: 'Frank’s billing question' });
      });

      it('pages the caller’s tickets newest first', async () => {
        const first = await ok(await call(erin, 'GET', '/support/tickets?page_size=5'));
        expect(first).toMatchObject({ total: 12, page: 1, page_size: 5, pages: 3 });
        expect(first.items.map((x: Item) => x.subject)).toEqual(
          [12, 11, 10, 9, 8].map((i) => `${i % 2 ? 'Billing' : 'Login'} issue ${i}`),
        );
        const last = await ok(await call(erin, 'GET', '/support/tickets?page=3&page_size=5'));
        expect(last.items.map((x: Item) => x.subject)).toEqual(['Login issue 2', 'Billing issue 1']);
      });

      it('filters by q, status and priority, combined', async () => {
        expect((await ok(await call(erin, 'GET', '/support/tickets?q=BILLING'))).total).toBe(6);
        const inProgress = await ok(await call(erin, 'GET', '/support/tickets?status=in_progress'));
        expect(inProgress.items.map((x: Item) => x.subject)).toEqual([
          'Login issue 12',
          'Billing issue 9',
          'Login issue 6',
          'Billing issue 3',
        ]);
        const urgent = await ok(await call(erin, 'GET', '/support/tickets?priority=urgent'));
        expect(urgent.items.map((x: Item) => x.subject)).toEqual(['Billing issue 11', 'Billing issue 7', 'Billing issue 3']);
        const combined = await ok(await call(erin, 'GET', '/support/tickets?q=billing&status=in_progress&priority=urgent'));
        expect(combined.items.map((x: Item) => x.subject)).toEqual(['Billing issue 3']);
      });

      it('a user, platform admins included, sees only their own tenant’s; owner_id cannot widen it', async () => {
        const franks = await ok(await call(frank, 'GET', '/support/tickets'));
        expect(franks.items.map((x: Item) => x.owner_id)).toEqual([frank.id]);
        expect((await ok(await call(frank, 'GET', `/support/tickets?owner_id=${erin.id}`))).total).toBe(0);
        const billing = await ok(await call(admin, 'GET', '/support/tickets?q=billing&page_size=100'));
        expect(billing).toMatchObject({ items: [], total: 0 });
        const erins = await ok(await call(admin, 'GET', `/support/tickets?owner_id=${erin.id}&status=in_progress`));
        expect(erins.total).toBe(0);
      });

      it('inside a shared tenant lists every member’s tickets, and owner_id is a plain filter', async () => {
        const team = await sharedTenant(t, erin, [[frank, 'member']]);
        const { body: erins } = await open(erin, { subject: 'Team billing', priority: 'high' }, inTenant(team));
        const { body: franks } = await open(frank, { subject: 'Team login' }, inTenant(team));
        const all = await ok(await call(frank, 'GET', '/support/tickets', undefined, inTenant(team)));
        expect(all.items.map((x: Item) => x.id)).toEqual([franks.id, erins.id]);
        expect(all.items.every((x: Item) => x.tenant_id === team)).toBe(true);
        const byErin = await ok(await call(frank, 'GET', `/support/tickets?owner_id=${erin.id}`, undefined, inTenant(team)));
        expect(byErin.items.map((x: Item) => x.id)).toEqual([erins.id]);
        const combined = await ok(
          await call(erin, 'GET', `/support/tickets?owner_id=${frank.id}&priority=high`, undefined, inTenant(team)),
        );
        expect(combined.total).toBe(0);
        // Outside the tenant nothing changed: erin's own list still holds only her 12 personal tickets.
        expect((await ok(await call(erin, 'GET', '/support/tickets'))).total).toBe(12);
      });

      it('list ETag: 304 while unchanged, new ETag after a ticket changes', async () => {
        const first = await call(erin, 'GET', '/support/tickets');
        expect(first.headers['cache-control']).toBe('private, no-cache');
        const etag = String(first.headers.etag);
        expect((await call(erin, 'GET', '/support/tickets', undefined, { 'if-none-match': etag })).statusCode).toBe(304);
        await ok(await call(erin, 'PATCH', `/support/tickets/${first.json().items[0].id}`, { priority: 'urgent' }));
        const after = await call(erin, 'GET', '/support/tickets', undefined, { 'if-none-match': etag });
        expect(after.statusCode).toBe(200);
        expect(after.headers.etag).not.toBe(etag);
      });

      it.each([
        ['?priority=critical', 'priority'],
        ['?status=new', 'status'],
        ['?owner_id=123', 'owner_id'],
      ])('rejects %s with a 400 naming the parameter', async (query, field) => {
        expectValidation(await call(erin, 'GET', `/support/tickets${query}`), field);
      });
    });
  });

  // ------------------------------------------------------------------------ community posts
  describe('community posts', () => {
    let gina: Person;
    let hank: Person;
    /** A shared tenant owned by gina, with hank and bob as members. */
    let community: string;

    beforeAll(async () => {
      gina = await person(t, 'gina');
      hank = await person(t, 'hank');
      community = await sharedTenant(t, gina, [
        [hank, 'member'],
        [bob, 'member'],
      ]);
    });

    it('publishes a post readable by the tenant’s members, with ETag and 304', async () => {
      const res = await call(
        gina,
        'POST',
        '/community/posts',
        { title: ' Hello world ', body: 'First post!' },
        inTenant(community),
      );
      const post = await ok(res, 201);
      expect(post).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        tenant_id: community,
        title: 'Hello world',
        body: 'First post!',
        author_id: gina.id,
        created_at: expect.any(String),
        updated_at: post.created_at,
      });
      expect(res.headers.location).toBe(`/api/v1/community/posts/${post.id}`);
      const read = await call(hank, 'GET', `/community/posts/${post.id}`, undefined, inTenant(community));
      expect(await ok(read)).toEqual(post);
      expect(read.headers.etag).toBe(res.headers.etag);
      const cached = await call(hank, 'GET', `/community/posts/${post.id}`, undefined, {
        ...inTenant(community),
        'if-none-match': String(read.headers.etag),
      });
      expect(cached.statusCode).toBe(304);
      expect(eventsNamed('workspace.post_created')).toContainEqual({
        post_id: post.id,
        tenant_id: community,
        author_id: gina.id,
        by_user_id: gina.id,
        occurred_at: expect.any(String),
      });
    });

    it('is not readable outside its tenant: 404 post_not_found elsewhere, 404 tenant_not_found for a non-member', async () => {
      const post = await ok(
        await call(gina, 'POST', '/community/posts', { title: 'Members only', body: '...' }, inTenant(community)),
        201,
      );
      // Without the header even a member acts in their personal tenant, where the post is unknown.
      expectProblem(await call(hank, 'GET', `/community/posts/${post.id}`), 404, 'post_not_found');
      for (const stranger of [alice, admin]) {
        expectProblem(await call(stranger, 'GET', `/community/posts/${post.id}`), 404, 'post_not_found');
        expectProblem(
          await call(stranger, 'GET', `/community/posts/${post.id}`, undefined, inTenant(community)),
          404,
          'tenant_not_found',
        );
        const theirs = await ok(await call(stranger, 'GET', '/community/posts?page_size=100'));
        expect(theirs.items.map((p: Item) => p.id)).not.toContain(post.id);
      }
      // A post in a personal tenant is its author's alone.
      const own = await ok(await call(hank, 'POST', '/community/posts', { title: 'Diary', body: 'private' }), 201);
      expect(own.tenant_id).toBe(await personalTenantOf(t, hank));
      expectProblem(await call(gina, 'GET', `/community/posts/${own.id}`), 404, 'post_not_found');
      expectProblem(await call(gina, 'GET', `/community/posts/${own.id}`, undefined, inTenant(community)), 404, 'post_not_found');
    });

    it('is 404 post_not_found for an unknown id', async () => {
      expectProblem(await call(hank, 'GET', `/community/posts/${UNKNOWN_ID}`), 404, 'post_not_found');
      expectProblem(
        await call(hank, 'GET', `/community/posts/${UNKNOWN_ID}`, undefined, inTenant(community)),
        404,
        'post_not_found',
      );
    });

    it.each([
      ['no title', { body: 'b' }, ['title']],
      ['a blank title', { title: '  ', body: 'b' }, ['title']],
      ['no body', { title: 't' }, ['body']],
      ['a too long title', { title: 't'.repeat(201), body: 'b' }, ['title']],
      ['a too long body', { title: 't', body: 'b'.repeat(20_001) }, ['body']],
      ['an author_id (not writable)', { title: 't', body: 'b', author_id: UNKNOWN_ID }, ['author_id']],
    ])('rejects a post with %s: 400 with errors[]', async (_label, payload, fields) => {
      expectValidation(await call(gina, 'POST', '/community/posts', payload), ...fields);
    });

    it('lists every author’s posts of the tenant newest first, paginated, filtered by q and author_id', async () => {
      const forum = await sharedTenant(t, gina, [
        [hank, 'member'],
        [bob, 'member'],
      ]);
      for (let i = 1; i <= 7; i += 1) {
        await ok(
          await call(
            i % 2 ? gina : hank,
            'POST',
            '/community/posts',
            { title: `${i % 3 ? 'Tip' : 'Question'} #${i}`, body: '...' },
            inTenant(forum),
          ),
          201,
        );
      }
      // Another tenant's posts (gina's personal one) are not in this tenant's list.
      await ok(await call(gina, 'POST', '/community/posts', { title: 'Tip #8 (personal)', body: '...' }), 201);
      const first = await ok(await call(bob, 'GET', '/community/posts?page_size=3', undefined, inTenant(forum)));
      expect(first).toMatchObject({ total: 7, page: 1, page_size: 3, pages: 3 });
      expect(first.items.map((p: Item) => p.title)).toEqual(['Tip #7', 'Question #6', 'Tip #5']);
      expect(first.items.every((p: Item) => p.tenant_id === forum)).toBe(true);
      const last = await ok(await call(bob, 'GET', '/community/posts?page=3&page_size=3', undefined, inTenant(forum)));
      expect(last.items.map((p: Item) => p.title)).toEqual(['Tip #1']);
      const questions = await ok(await call(bob, 'GET', '/community/posts?q=QUEST', undefined, inTenant(forum)));
      expect(questions.items.map((p: Item) => p.title)).toEqual(['Question #6', 'Question #3']);
      const hanks = await ok(await call(bob, 'GET', `/community/posts?author_id=${hank.id}`, undefined, inTenant(forum)));
      expect(hanks.items.map((p: Item) => p.title)).toEqual(['Question #6', 'Tip #4', 'Tip #2']);
      const list = await call(bob, 'GET', '/community/posts', undefined, inTenant(forum));
      expect(list.headers['cache-control']).toBe('private, no-cache');
      expect(
        (
          await call(bob, 'GET', '/community/posts', undefined, {
            ...inTenant(forum),
            'if-none-match': String(list.headers.etag),
          })
        ).statusCode,
      ).toBe(304);
      // bob's personal tenant holds none of them.
      expect((await ok(await call(bob, 'GET', '/community/posts'))).items.map((p: Item) => p.tenant_id)).not.toContain(forum);
      expect((await ok(await call(bob, 'GET', '/community/posts'))).total).toBe(0);
    });
  });

  // --------------------------------------------------------------------------- idempotency
  describe('Idempotency-Key on POST and PATCH', () => {
    it('a retried project create is answered from the first one: one project, same body, ETag and Location', async () => {
      const headers = { 'idempotency-key': 'create-project-once-1' };
      const first = await call(alice, 'POST', '/projects', { name: 'Idempotent project' }, headers);
      const created = await ok(first, 201);
      const retry = await call(alice, 'POST', '/projects', { name: 'Idempotent project' }, headers);
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json()).toEqual(created);
      expect(retry.headers.etag).toBe(first.headers.etag);
      expect(retry.headers.location).toBe(first.headers.location);
      const rows = await t.db.query(`SELECT id FROM projects WHERE name = 'Idempotent project'`);
      expect(rows).toEqual([{ id: created.id }]);
      expectProblem(await call(alice, 'POST', '/projects', { name: 'Another name' }, headers), 422, 'idempotency_key_reused');
    });

    it('keys are scoped to the caller: another user with the same key creates their own', async () => {
      const headers = { 'idempotency-key': 'shared-key-between-users' };
      const mine = await ok(call(alice, 'POST', '/community/posts', { title: 'Same key', body: 'alice' }, headers), 201);
      const theirs = await call(bob, 'POST', '/community/posts', { title: 'Same key', body: 'alice' }, headers);
      expect(theirs.statusCode).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.json()).toMatchObject({ author_id: bob.id });
      expect(theirs.json().id).not.toBe(mine.id);
    });

    it('a retried ticket PATCH changes the ticket once and is replayed', async () => {
      const ticket = await ok(call(alice, 'POST', '/support/tickets', { subject: 'Retry me', body: 'b' }), 201);
      const headers = { 'idempotency-key': `patch-${ticket.id}` };
      const before = eventsNamed('workspace.ticket_status_changed').filter((e) => e.ticket_id === ticket.id).length;
      const first = await ok(call(alice, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'resolved' }, headers));
      const retry = await call(alice, 'PATCH', `/support/tickets/${ticket.id}`, { status: 'resolved' }, headers);
      expect(retry.statusCode).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json()).toEqual(first);
      expect(eventsNamed('workspace.ticket_status_changed').filter((e) => e.ticket_id === ticket.id)).toHaveLength(before + 1);
    });

    it('an invalid key is a 400 problem', async () => {
      const res = await call(alice, 'PATCH', `/projects/${UNKNOWN_ID}`, { name: 'x' }, { 'idempotency-key': 'has spaces' });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });

  it('the entities and the migration describe the same workspace tables', async () => {
    const sql = await t.app.get(DataSource).driver.createSchemaBuilder().log();
    const ours = [...sql.upQueries, ...sql.downQueries]
      .map((q) => q.query)
      .filter((q) => /"(projects|support_tickets|community_posts)"/.test(q));
    expect(ours).toEqual([]);
  });
});
