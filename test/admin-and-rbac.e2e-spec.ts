import { DataSource } from 'typeorm';
import { AdminSeeder, SessionsService } from '../src/contexts/identity/testing';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { bearer, login, register, uniqueEmail } from './support/auth';
import { RbacTestModule } from './support/rbac.module';

const ADMIN_EMAIL = 'Root.Admin@Example.com';
const ADMIN_PASSWORD = 'admin-seed-passphrase-Tr0ub4dor';

describe('admin seed, RBAC and session cleanup (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ imports: [RbacTestModule], env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('seeds the admin at start, lower-cased, and finds it (unchanged) on the next run', async () => {
    const rows = await t.db.query<{ email: string; role: string; password_hash: string }>(
      `SELECT email, role, password_hash FROM users`,
    );
    expect(rows).toEqual([expect.objectContaining({ email: 'root.admin@example.com', role: 'admin' })]);
    expect(await t.app.get(AdminSeeder).seed()).toBe('found');
    const again = await t.db.query<{ password_hash: string }>(`SELECT password_hash FROM users`);
    expect(again).toHaveLength(1);
    expect(again[0].password_hash).toBe(rows[0].password_hash);
  });

  it('admin routes: 401 without a token, 403 for a user, 200 for the admin', async () => {
    expect((await t.inject({ method: 'GET', url: '/api/v1/test-rbac/admin' })).statusCode).toBe(401);
    const email = uniqueEmail();
    await register(t, email);
    const user = await login(t, email);
    const forbidden = await t.inject({ method: 'GET', url: '/api/v1/test-rbac/admin', headers: bearer(user) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('forbidden');
    expect((await t.inject({ method: 'GET', url: '/api/v1/test-rbac/any', headers: bearer(user) })).json()).toEqual({
      role: 'user',
    });
    const admin = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect((await t.inject({ method: 'GET', url: '/api/v1/test-rbac/admin', headers: bearer(admin) })).statusCode).toBe(200);
  });

  it('a user may not promote themselves by registering the admin email in another case', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD },
    });
    expect(res.statusCode).toBe(409);
  });

  it('the cleanup job deletes sessions that ended longer ago than the retention, once across instances', async () => {
    const email = uniqueEmail();
    const user = await register(t, email);
    await login(t, email);
    await login(t, email);
    const live = await login(t, email);
    const sessions = await t.db.query<{ id: string }>(`SELECT id FROM user_sessions WHERE user_id = $1 ORDER BY created_at`, [
      user.id,
    ]);
    await t.db.query(`UPDATE user_sessions SET revoked_at = now() - interval '31 days' WHERE id = $1`, [sessions[0].id]);
    await t.db.query(`UPDATE user_sessions SET revoked_at = now() - interval '2 days' WHERE id = $1`, [sessions[1].id]);
    await withTestApp({ db: t.db, env: { ADMIN_EMAIL, ADMIN_PASSWORD } }, async (second) => {
      await Promise.all([t.app.get(SessionsService).cleanupScheduled(), second.app.get(SessionsService).cleanupScheduled()]);
    });
    const left = await t.app
      .get(DataSource)
      .query<{ id: string }[]>(`SELECT id FROM user_sessions WHERE user_id = $1`, [user.id]);
    expect(left.map((r) => r.id).sort()).toEqual([sessions[1].id, sessions[2].id].sort());
    const runs = await t.db.query(`SELECT * FROM job_runs WHERE job = 'cleanup_expired_sessions'`);
    expect(runs).toHaveLength(1);
    expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(live) })).statusCode).toBe(200);
  });
});
