import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TenantScopes } from '../src/contexts/tenancy';
import { DatabaseRuntime } from '../src/platform/database/database.runtime';
import { runtimeRoleOptions } from '../src/platform/database/runtime-role';
import { createTestApp, type TestApp } from './support/app';
import { bearer, loginPerson, person, type Person } from './support/auth';
import { settled } from './support/eventually';
import { FakeSmtpServer } from './support/fake-smtp-server';
import { expectProblem } from './support/problem';

const ADMIN_EMAIL = 'isolation.admin@example.com';
const ADMIN_PASSWORD = 'isolation-admin-passphrase-Br1ght-Otter';
const TENANT_OWNED = ['projects', 'support_tickets', 'community_posts', 'files'] as const;
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4f40000000049454e44ae426082',
  'hex',
);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Tenant isolation, end to end (docs/tenancy.md, "Isolation"): through the API (members,
 * roles, strangers, the personal tenant) and at the SQL level, connected as the app's runtime
 * role, where row-level security alone must hold.
 */
describe('tenant isolation (e2e)', () => {
  let smtp: FakeSmtpServer;
  let t: TestApp;
  let dir: string;
  let admin: Person;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  const call = (
    who: Person,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    options: { tenant?: string; payload?: unknown; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> =>
    t.inject({
      method,
      url: `/api/v1${url}`,
      headers: { ...bearer(who.tokens), ...(options.tenant ? { 'x-tenant-id': options.tenant } : {}), ...options.headers },
      ...(options.payload === undefined ? {} : { payload: options.payload as object }),
    });

  async function ok(response: Promise<LightMyRequestResponse>, status = 200): Promise<Json> {
    const res = await response;
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
    return status === 204 ? {} : res.json<Json>();
  }

  function upload(who: Person, tenant?: string): Promise<LightMyRequestResponse> {
    const boundary = '----bastionisolation';
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="dot.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      PNG,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return t.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: {
        ...bearer(who.tokens),
        ...(tenant ? { 'x-tenant-id': tenant } : {}),
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload,
    });
  }

  let slugs = 0;
  const createTenant = (owner: Person): Promise<Json> => {
    slugs += 1;
    return ok(
      call(owner, 'POST', '/tenants', { payload: { name: `Isolation ${slugs}`, slug: `iso-${slugs}-${Date.now()}` } }),
      201,
    );
  };

  /** `owner` invites `who` into `tenantId`; `who` accepts the link from the mail. */
  async function enrol(owner: Person, who: Person, tenantId: string, count = 1): Promise<void> {
    await ok(call(owner, 'POST', `/tenants/${tenantId}/invitations`, { payload: { email: who.email, role: 'member' } }), 201);
    const token = await smtp.linkToken(who.email, /you are invited to join/, 'join', count);
    await ok(call(who, 'POST', '/tenants/invitations/accept', { payload: { token } }));
  }

  beforeAll(async () => {
    smtp = await FakeSmtpServer.start();
    dir = mkdtempSync(join(tmpdir(), 'bastion-isolation-'));
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, FILES_DIR: dir, ...smtp.env() } });
    admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    [alice, bob, carol] = await Promise.all([person(t, 'iso-alice'), person(t, 'iso-bob'), person(t, 'iso-carol')]);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('through the API', () => {
    let team: string;
    let aliceProject: Json;
    let bobProject: Json;
    let aliceTicket: Json;
    let alicePost: Json;
    let aliceFile: Json;
    let alicePersonal: Json;

    beforeAll(async () => {
      team = (await createTenant(alice)).id as string;
      await enrol(alice, bob, team);
      aliceProject = await ok(call(alice, 'POST', '/projects', { tenant: team, payload: { name: 'Alice’s team project' } }), 201);
      aliceTicket = await ok(
        call(alice, 'POST', '/support/tickets', { tenant: team, payload: { subject: 'Printer', body: 'On fire.' } }),
        201,
      );
      alicePost = await ok(
        call(alice, 'POST', '/community/posts', { tenant: team, payload: { title: 'Hello', body: 'Team!' } }),
        201,
      );
      aliceFile = await ok(upload(alice, team), 201);
      alicePersonal = await ok(call(alice, 'POST', '/projects', { payload: { name: 'Alice’s own project' } }), 201);
    }, 60_000);

    it('puts items in the tenant named by X-Tenant-Id, and in the personal tenant without it', async () => {
      const tenants = await ok(call(alice, 'GET', '/tenants'));
      const personal = (tenants.items as Json[]).find((tenant) => tenant.personal);
      for (const item of [aliceProject, aliceTicket, alicePost, aliceFile]) expect(item.tenant_id).toBe(team);
      expect(alicePersonal.tenant_id).toBe(personal?.id);
    });

    it('lets a member read every item of the tenant and write their own', async () => {
      bobProject = await ok(call(bob, 'POST', '/projects', { tenant: team, payload: { name: 'Bob’s team project' } }), 201);
      const list = await ok(call(bob, 'GET', '/projects', { tenant: team }));
      expect((list.items as Json[]).map((p) => p.id).sort()).toEqual([aliceProject.id, bobProject.id].sort());
      await ok(call(bob, 'GET', `/projects/${aliceProject.id}`, { tenant: team }));
      await ok(call(bob, 'GET', `/support/tickets/${aliceTicket.id}`, { tenant: team }));
      await ok(call(bob, 'GET', `/community/posts/${alicePost.id}`, { tenant: team }));
      await ok(call(bob, 'GET', `/files/${aliceFile.id}`, { tenant: team }));
      const content = await call(bob, 'GET', `/files/${aliceFile.id}/content`, { tenant: team });
      expect(content.statusCode).toBe(200);
      expect(content.rawPayload.equals(PNG)).toBe(true);
      await ok(call(bob, 'PATCH', `/projects/${bobProject.id}`, { tenant: team, payload: { description: 'mine' } }));
    });

    it('refuses a member’s change to someone else’s item (403 forbidden), and allows it once they are a tenant admin', async () => {
      expectProblem(
        await call(bob, 'PATCH', `/projects/${aliceProject.id}`, { tenant: team, payload: { name: 'Bob was here' } }),
        403,
        'forbidden',
      );
      expectProblem(await call(bob, 'DELETE', `/projects/${aliceProject.id}`, { tenant: team }), 403, 'forbidden');
      expectProblem(
        await call(bob, 'PATCH', `/support/tickets/${aliceTicket.id}`, { tenant: team, payload: { status: 'in_progress' } }),
        403,
        'forbidden',
      );
      expectProblem(await call(bob, 'DELETE', `/files/${aliceFile.id}`, { tenant: team }), 403, 'forbidden');
      expect((await ok(call(alice, 'GET', `/projects/${aliceProject.id}`, { tenant: team }))).name).toBe(aliceProject.name);

      await ok(call(alice, 'PATCH', `/tenants/${team}/members/${bob.id}`, { payload: { role: 'admin' } }));
      const changed = await ok(
        call(bob, 'PATCH', `/projects/${aliceProject.id}`, { tenant: team, payload: { name: 'Renamed by admin' } }),
      );
      expect(changed).toMatchObject({ name: 'Renamed by admin', owner_id: alice.id, tenant_id: team });
      await ok(call(bob, 'PATCH', `/support/tickets/${aliceTicket.id}`, { tenant: team, payload: { status: 'in_progress' } }));
    });

    it('answers a stranger 404 tenant_not_found on every tenant route with that tenant’s id, platform admins included', async () => {
      for (const stranger of [carol, admin]) {
        const attempts: Promise<LightMyRequestResponse>[] = [
          call(stranger, 'GET', '/projects', { tenant: team }),
          call(stranger, 'POST', '/projects', { tenant: team, payload: { name: 'Intruder' } }),
          call(stranger, 'GET', `/projects/${aliceProject.id}`, { tenant: team }),
          call(stranger, 'PATCH', `/projects/${aliceProject.id}`, { tenant: team, payload: { name: 'x' } }),
          call(stranger, 'DELETE', `/projects/${aliceProject.id}`, { tenant: team }),
          call(stranger, 'GET', '/support/tickets', { tenant: team }),
          call(stranger, 'POST', '/support/tickets', { tenant: team, payload: { subject: 'x', body: 'y' } }),
          call(stranger, 'GET', `/support/tickets/${aliceTicket.id}`, { tenant: team }),
          call(stranger, 'PATCH', `/support/tickets/${aliceTicket.id}`, { tenant: team, payload: { status: 'closed' } }),
          call(stranger, 'GET', '/community/posts', { tenant: team }),
          call(stranger, 'POST', '/community/posts', { tenant: team, payload: { title: 'x', body: 'y' } }),
          call(stranger, 'GET', `/community/posts/${alicePost.id}`, { tenant: team }),
          call(stranger, 'GET', '/files', { tenant: team }),
          call(stranger, 'GET', `/files/${aliceFile.id}`, { tenant: team }),
          call(stranger, 'GET', `/files/${aliceFile.id}/content`, { tenant: team }),
          call(stranger, 'DELETE', `/files/${aliceFile.id}`, { tenant: team }),
          upload(stranger, team),
        ];
        for (const res of await Promise.all(attempts)) expectProblem(res, 404, 'tenant_not_found');
      }
      const count = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM projects WHERE tenant_id = $1`, [team]);
      expect(Number(count[0].n)).toBe(2);
    });

    it('keeps everyone in their personal tenant without X-Tenant-Id', async () => {
      for (const who of [alice, bob, carol, admin]) {
        const list = await ok(call(who, 'GET', '/projects'));
        const ids = (list.items as Json[]).map((p) => p.id);
        expect(ids).not.toContain(aliceProject.id);
        expect(ids).not.toContain(bobProject.id);
        for (const item of list.items as Json[]) expect(item.owner_id).toBe(who.id);
      }
      expect((await ok(call(alice, 'GET', '/projects'))).items.map((p: Json) => p.id)).toEqual([alicePersonal.id]);
      for (const who of [bob, carol, admin]) {
        expectProblem(await call(who, 'GET', `/projects/${alicePersonal.id}`), 404, 'project_not_found');
        expectProblem(await call(who, 'GET', `/projects/${aliceProject.id}`), 404, 'project_not_found');
      }
      // The same id asked for in the wrong tenant is as unknown as any other.
      expectProblem(await call(alice, 'GET', `/projects/${aliceProject.id}`), 404, 'project_not_found');
      expectProblem(await call(alice, 'GET', `/files/${aliceFile.id}`), 404, 'file_not_found');
    });

    it('refuses a malformed X-Tenant-Id (400) and a suspended tenant (403 tenant_suspended)', async () => {
      const bad = await call(alice, 'GET', '/projects', { tenant: 'not-a-uuid' });
      expectProblem(bad, 400, 'validation_failed');
      expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'X-Tenant-Id', code: 'is_uuid' })]);

      await ok(call(admin, 'PATCH', `/admin/tenants/${team}`, { payload: { status: 'suspended' } }));
      try {
        expectProblem(await call(bob, 'GET', '/projects', { tenant: team }), 403, 'tenant_suspended');
        expectProblem(await upload(alice, team), 403, 'tenant_suspended');
      } finally {
        await ok(call(admin, 'PATCH', `/admin/tenants/${team}`, { payload: { status: 'active' } }));
      }
      await ok(call(bob, 'GET', '/projects', { tenant: team }));
    });

    it('applies the tenant’s mfa_required and session_max_age to its data routes', async () => {
      const settings = async (patch: Json) => {
        const tenant = await call(alice, 'GET', `/tenants/${team}`);
        await ok(
          call(alice, 'PATCH', `/tenants/${team}`, {
            payload: { settings: patch },
            headers: { 'if-match': tenant.headers.etag as string },
          }),
        );
      };
      await settings({ mfa_required: true });
      try {
        const refused = await call(bob, 'GET', '/projects', { tenant: team });
        expectProblem(refused, 403, 'tenant_mfa_required');
        expectProblem(await upload(bob, team), 403, 'tenant_mfa_required');
        // Before a byte is read: a form without a file would otherwise be 400 file_missing.
        const empty = await t.inject({
          method: 'POST',
          url: '/api/v1/files',
          headers: { ...bearer(bob.tokens), 'x-tenant-id': team, 'content-type': 'multipart/form-data; boundary=x' },
          payload: '--x--\r\n',
        });
        expectProblem(empty, 403, 'tenant_mfa_required');
        // Their personal tenant does not require it.
        await ok(call(bob, 'GET', '/projects'));
        // With MFA on the account, the tenant admits them.
        await t.db.query(
          `INSERT INTO user_mfa (user_id, secret_ciphertext, key_id, enabled_at) VALUES ($1, 'sealed', 'k1', now())`,
          [bob.id],
        );
        await ok(call(bob, 'GET', '/projects', { tenant: team }));
      } finally {
        await t.db.query('DELETE FROM user_mfa WHERE user_id = $1', [bob.id]);
        await settings({ mfa_required: false });
      }

      await settings({ session_max_age: 3600 });
      try {
        await ok(call(bob, 'GET', '/projects', { tenant: team }));
        await t.db.query(`UPDATE user_sessions SET created_at = now() - interval '2 hours' WHERE user_id = $1`, [bob.id]);
        const stale = await call(bob, 'GET', `/projects/${aliceProject.id}`, { tenant: team });
        expectProblem(stale, 401, 'tenant_session_too_old');
        expect(stale.json().session_max_age).toBe(3600);
        await ok(call(bob, 'GET', '/projects'));
      } finally {
        await settings({ session_max_age: null });
      }
      await ok(call(bob, 'GET', '/projects', { tenant: team }));
    });

    it('shows the tenant’s owners and admins the tenant’s audit events, and nothing of other tenants', async () => {
      await settled(t);
      const page = await ok(call(alice, 'GET', `/tenants/${team}/audit/events?page_size=100`));
      const items = page.items as Json[];
      const types = new Set(items.map((e) => e.type as string));
      for (const type of [
        'tenancy.tenant_created',
        'tenancy.member_added',
        'tenancy.invitation_accepted',
        'workspace.project_created',
        'workspace.ticket_created',
        'workspace.post_created',
        'files.uploaded',
      ]) {
        expect(types).toContain(type);
      }
      for (const event of items) {
        const about = event.subject_type === 'tenant' ? event.subject_id : event.metadata?.tenant_id;
        expect(about).toBe(team);
      }
      const subjects = items.map((e) => e.subject_id as string);
      expect(subjects).toContain(aliceProject.id);
      expect(subjects).not.toContain(alicePersonal.id);
      // Filters work as on the platform's view.
      const created = await ok(call(alice, 'GET', `/tenants/${team}/audit/events?type=workspace.project_created`));
      expect((created.items as Json[]).map((e) => e.subject_id).sort()).toEqual([aliceProject.id, bobProject.id].sort());

      // Bob is an admin of the tenant by now: he may read it; a plain member may not; strangers get 404.
      await ok(call(bob, 'GET', `/tenants/${team}/audit/events`));
      const dave = await person(t, 'iso-dave');
      await t.db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [team, dave.id]);
      expectProblem(await call(dave, 'GET', `/tenants/${team}/audit/events`), 403, 'forbidden');
      expectProblem(await call(carol, 'GET', `/tenants/${team}/audit/events`), 404, 'tenant_not_found');
      expectProblem(await call(admin, 'GET', `/tenants/${team}/audit/events`), 404, 'tenant_not_found');
    });

    it('deletes a tenant with its data, the files’ bytes included', async () => {
      const doomed = (await createTenant(carol)).id as string;
      await ok(call(carol, 'POST', '/projects', { tenant: doomed, payload: { name: 'Short-lived' } }), 201);
      const file = await ok(upload(carol, doomed), 201);
      const blob = join(dir, (file.id as string).slice(0, 2), file.id as string);
      expect(existsSync(blob)).toBe(true);
      const tenant = await call(carol, 'GET', `/tenants/${doomed}`);
      await ok(call(carol, 'DELETE', `/tenants/${doomed}`, { headers: { 'if-match': tenant.headers.etag as string } }), 204);
      for (const table of TENANT_OWNED) {
        const [{ n }] = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [doomed]);
        expect({ table, n: Number(n) }).toEqual({ table, n: 0 });
      }
      expect(existsSync(blob)).toBe(false);
    });
  });

  describe('in PostgreSQL, as the app’s runtime role', () => {
    let role: string;
    let tenantA: string;
    let tenantB: string;
    /** Rows per table and tenant, seeded as the superuser. */
    const SEEDED = 2;

    async function asRuntime<T>(fn: (client: Client) => Promise<T>): Promise<T> {
      const client = new Client({ connectionString: t.db.url, ...runtimeRoleOptions(role) });
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end();
      }
    }

    const counts = async (client: Client): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const table of TENANT_OWNED) {
        out[table] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
      }
      return out;
    };

    const tenantsOf = async (client: Client): Promise<string[]> => {
      const seen = new Set<string>();
      for (const table of TENANT_OWNED) {
        for (const row of (await client.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM ${table}`)).rows) {
          seen.add(row.tenant_id);
        }
      }
      return [...seen].sort();
    };

    async function seed(tenantId: string, ownerId: string): Promise<void> {
      for (let i = 0; i < SEEDED; i++) {
        await t.db.query(`INSERT INTO projects (tenant_id, owner_id, name) VALUES ($1, $2, $3)`, [tenantId, ownerId, `p${i}`]);
        await t.db.query(`INSERT INTO support_tickets (tenant_id, owner_id, subject, body) VALUES ($1, $2, 's', 'b')`, [
          tenantId,
          ownerId,
        ]);
        await t.db.query(`INSERT INTO community_posts (tenant_id, author_id, title, body) VALUES ($1, $2, 't', 'b')`, [
          tenantId,
          ownerId,
        ]);
        await t.db.query(
          `INSERT INTO files (id, tenant_id, owner_id, filename, content_type, size, sha256, scan_status)
           VALUES (gen_random_uuid(), $1, $2, 'f.txt', 'text/plain', 1, repeat('a', 64), 'not_scanned')`,
          [tenantId, ownerId],
        );
      }
    }

    beforeAll(async () => {
      role = t.app.get(DatabaseRuntime).runtimeRole as string;
      tenantA = (await createTenant(alice)).id as string;
      tenantB = (await createTenant(carol)).id as string;
      await seed(tenantA, alice.id);
      await seed(tenantB, carol.id);
    });

    it('runs as a role that is neither superuser, nor BYPASSRLS, nor the tables’ owner; every table forces RLS', async () => {
      expect(role).toBeTruthy();
      await asRuntime(async (client) => {
        const { rows } = await client.query<{ role: string; rolsuper: boolean; rolbypassrls: boolean }>(
          'SELECT current_user AS role, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
        );
        expect(rows[0]).toEqual({ role, rolsuper: false, rolbypassrls: false });
        const tables = await client.query<{
          relname: string;
          relrowsecurity: boolean;
          relforcerowsecurity: boolean;
          owner: string;
        }>(
          `SELECT relname, relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) AS owner
           FROM pg_class WHERE relname = ANY($1) AND relkind = 'r' ORDER BY relname`,
          [[...TENANT_OWNED]],
        );
        expect(tables.rows.map((r) => r.relname)).toEqual([...TENANT_OWNED].sort());
        for (const table of tables.rows) {
          expect(table).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
          expect(table.owner).not.toBe(role);
        }
      });
    });

    it('shows nothing at all when no tenant is set', async () => {
      await asRuntime(async (client) => {
        expect(await counts(client)).toEqual({ projects: 0, support_tickets: 0, community_posts: 0, files: 0 });
        await client.query(`SELECT set_config('app.tenant_id', '', false)`);
        expect(await counts(client)).toEqual({ projects: 0, support_tickets: 0, community_posts: 0, files: 0 });
      });
    });

    it('shows only tenant A’s rows with A set, and forgets A when the transaction ends', async () => {
      await asRuntime(async (client) => {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantA]);
        expect(await tenantsOf(client)).toEqual([tenantA]);
        const seen = await counts(client);
        for (const table of TENANT_OWNED) expect(seen[table]).toBeGreaterThanOrEqual(SEEDED);
        await client.query('COMMIT');
        // The same pooled connection, next transaction: nothing carried over.
        expect(await counts(client)).toEqual({ projects: 0, support_tickets: 0, community_posts: 0, files: 0 });
      });
    });

    it('refuses an insert or update that names tenant B while A is set, and cannot touch B’s rows', async () => {
      await asRuntime(async (client) => {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantA]);
        await client.query('SAVEPOINT s');
        await expect(
          client.query(`INSERT INTO projects (tenant_id, owner_id, name) VALUES ($1, $2, 'smuggled')`, [tenantB, alice.id]),
        ).rejects.toMatchObject({ code: '42501' });
        await client.query('ROLLBACK TO SAVEPOINT s');
        await expect(client.query(`UPDATE projects SET tenant_id = $1`, [tenantB])).rejects.toMatchObject({ code: '42501' });
        await client.query('ROLLBACK TO SAVEPOINT s');
        const touched = await client.query(`UPDATE projects SET name = 'hijacked' WHERE tenant_id = $1`, [tenantB]);
        expect(touched.rowCount).toBe(0);
        const deleted = await client.query(`DELETE FROM files WHERE tenant_id = $1`, [tenantB]);
        expect(deleted.rowCount).toBe(0);
        await client.query('ROLLBACK');
      });
      const [{ n }] = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM files WHERE tenant_id = $1`, [tenantB]);
      expect(Number(n)).toBe(SEEDED);
    });

    it('opens every tenant to reading with app.all_tenants, never to writing into another tenant', async () => {
      await asRuntime(async (client) => {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('app.all_tenants', 'on', true)`);
        expect(await tenantsOf(client)).toEqual(expect.arrayContaining([tenantA, tenantB].sort()));
        await expect(
          client.query(`INSERT INTO projects (tenant_id, owner_id, name) VALUES ($1, $2, 'smuggled')`, [tenantB, alice.id]),
        ).rejects.toMatchObject({ code: '42501' });
        await client.query('ROLLBACK');
      });
    });

    it('leaks nothing through the application when a query forgets the tenant filter', async () => {
      const scopes = t.app.get(TenantScopes);
      // No scopedQuery: a plain query over the whole table, inside a tenant scope.
      const rows = await scopes.run({ userId: alice.id, header: tenantA, sessionId: null }, ({ manager }) =>
        manager.query<{ tenant_id: string }[]>('SELECT tenant_id FROM projects'),
      );
      expect(rows.length).toBeGreaterThanOrEqual(SEEDED);
      expect(new Set(rows.map((row) => row.tenant_id))).toEqual(new Set([tenantA]));
      // And with no scope at all, the pool's connections see no tenant's rows.
      const [{ n }] = await t.app.get(DataSource).query<{ n: string }[]>('SELECT count(*) AS n FROM projects');
      expect(Number(n)).toBe(0);
    });
  });
});
