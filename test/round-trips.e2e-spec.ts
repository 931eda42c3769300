import { SchedulerRegistry } from '@nestjs/schedule';
import { Client } from 'pg';
import { Metrics } from '../src/platform/observability';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { LOGIN_ROUND_TRIP_COUNT } from '../scripts/bench/baseline/login-floor';
import { bearer, login, register, requestToken, STRONG_PASSWORD, type Tokens, uniqueEmail } from './support/auth';
import { settled } from './support/eventually';

/**
 * Statement budgets of the hot paths: how many statements PostgreSQL receives for one
 * request. On a small machine each statement is a syscall and a backend wake-up, which the
 * benchmark showed to dominate logins and writes (docs/performance.md), so a change that adds
 * one to these paths should be a decision, not an accident. Counts, not timings: exact and
 * the same on every machine. A failure prints the statements.
 */
describe('statement budgets of the hot paths (e2e)', () => {
  let t: TestApp;
  let tokens: Tokens;
  let email: string;
  let projectId: string;
  const statements: string[] = [];
  /** Statements sent as named prepared statements (parsed and planned once per connection). */
  const prepared = new Set<string>();
  const query = Client.prototype.query;

  beforeAll(async () => {
    // No notification poll or audit outbox sweep in the middle of a count...
    t = await createTestApp({ env: { NOTIFICATIONS_POLL_MS: '3600000', AUDIT_OUTBOX_SWEEP_MS: '3600000' } });
    // ... and no scheduled job either (`erase_closed_accounts` runs at every minute's start: a count that
    // spanned one once took its nine statements too).
    const jobs = t.app.get(SchedulerRegistry).getCronJobs();
    expect(jobs.size).toBeGreaterThan(0);
    for (const job of jobs.values()) void job.stop();
    email = uniqueEmail('budget');
    await register(t, email);
    await login(t, email); // the first login is the one that differs (suspicious-login telemetry)
    tokens = await login(t, email);
    const created = await t.inject({ method: 'POST', url: '/api/v1/projects', headers: bearer(tokens), payload: { name: 'p' } });
    projectId = created.json<{ id: string }>().id;
    await settled(t);
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const sql = args[0] as string | { text: string; name?: string };
      const text = (typeof sql === 'string' ? sql : sql.text).replace(/\s+/g, ' ').trim();
      statements.push(text);
      if (typeof sql === 'object' && sql.name) prepared.add(text);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
  });
  afterAll(async () => {
    Client.prototype.query = query;
    await t.close();
  });

  /** The statements one request sends (everything it awaits, audit appends included, is done when it answers). */
  async function statementsOf(request: () => Promise<{ statusCode: number }>, status: number): Promise<string[]> {
    statements.length = 0;
    expect((await request()).statusCode).toBe(status);
    return [...statements];
  }

  /** A login with the right password, its answer as it comes (200, or 503 when shed). */
  const tokenRequest = (app: TestApp, who: string) => requestToken(app, { email: who, password: STRONG_PASSWORD });
  const getProject = () => t.inject({ method: 'GET', url: `/api/v1/projects/${projectId}`, headers: bearer(tokens) });
  const postProject = (headers: Record<string, string> = {}) =>
    t.inject({ method: 'POST', url: '/api/v1/projects', headers: { ...bearer(tokens), ...headers }, payload: { name: 'p' } });

  it('login: 6 (throttle 1 + 1, lockout with the user and its MFA flag 1, the sign-in 1, audit 2)', async () => {
    const sent = await statementsOf(() => tokenRequest(t, email), 200);
    expect(sent).toHaveLength(6);
    expect(sent.filter((s) => /^(START TRANSACTION|BEGIN|COMMIT)/.test(s))).toEqual([]);
    // The failed-login throttle's two counters (per IP and email, per IP): taken in one statement, given back in one.
    const throttle = sent.filter((s) => s.includes('"login_throttle"'));
    expect(throttle).toEqual([
      expect.stringMatching(/^INSERT INTO "login_throttle"/),
      expect.stringMatching(/^INSERT INTO "login_throttle"/),
    ]);
    expect([sent[0], sent[sent.length - 1]]).toEqual(throttle);
    // The lockout row is read with the user: one read before the password is checked.
    expect(sent.filter((s) => s.includes('"login_lockouts"'))).toEqual([
      expect.stringMatching(/LEFT JOIN "users" "u" ON .* LEFT JOIN "login_lockouts" "l"/),
    ]);
    // No MFA: the user's read says so, and the factor is not read on its own.
    expect(sent.filter((s) => /FROM "user_mfa"/.test(s))).toEqual([
      expect.stringMatching(/^SELECT "u"\."id".* EXISTS \(SELECT 1 FROM "user_mfa"/),
    ]);
    // The session's and the sign-in's facts go onto the audit chain together: one read, one append of two rows.
    const appends = sent.filter((s) => s.includes('INSERT INTO "audit_events"'));
    expect(appends).toHaveLength(1);
    expect(appends[0]).toContain('$28::text)');
    expect(sent.filter((s) => s.includes('FROM "audit_chain"'))).toHaveLength(1);
    // The last login (while the account still has the password it checked), the session, its first
    // token and the sign-in's sources: one statement.
    const signIn = sent.filter((s) => /INSERT INTO (user_sessions|refresh_tokens|login_sources)|UPDATE "?users"? /.test(s));
    expect(signIn).toEqual([
      expect.stringMatching(
        /^WITH signed_in AS \(\s*UPDATE users SET last_login_at.*INSERT INTO user_sessions.*INSERT INTO refresh_tokens.*INSERT INTO login_sources/,
      ),
    ]);
    // The benchmark's login floor (scripts/bench/baseline/login-floor.ts) sends as many: change both together.
    expect(LOGIN_ROUND_TRIP_COUNT).toBe(sent.length);
    // Every one prepared (parsed and planned once per connection): the throttle's, the lockout's with the user, the sign-in and the audit chain's.
    expect(sent.filter((s) => !prepared.has(s))).toEqual([]);
  });

  // Tenant-owned routes run in a transaction scoped to the tenant (docs/tenancy.md, "Isolation, twice"):
  // BEGIN, one statement that checks the membership and sets app.tenant_id, the work, COMMIT.
  const TENANT_SCOPE = /^SELECT t\.id, .*/;

  it('authenticated item GET: 4, the row in the tenant’s transaction (begin, scope, row, commit; the session check is cached)', async () => {
    await getProject();
    const sent = await statementsOf(getProject, 200);
    expect(sent).toHaveLength(4);
    expect(sent[0]).toBe('START TRANSACTION');
    expect(sent[1]).toMatch(TENANT_SCOPE);
    expect(sent[3]).toBe('COMMIT');
  });

  it('a list that fits one page: 4 (begin, scope, page, commit; TypeORM counts only when the page is full)', async () => {
    const sent = await statementsOf(
      () => t.inject({ method: 'GET', url: '/api/v1/projects?page_size=20', headers: bearer(tokens) }),
      200,
    );
    expect(sent).toHaveLength(4);
    expect(sent[1]).toMatch(TENANT_SCOPE);
  });

  it('POST without a key: 7 (begin, scope, insert, audit outbox, commit, then the audit append in 2)', async () => {
    const sent = await statementsOf(() => postProject(), 201);
    expect(sent).toHaveLength(7);
    expect(sent.slice(0, 2)).toEqual(['START TRANSACTION', expect.stringMatching(TENANT_SCOPE)]);
  });

  // An atomic idempotent route (docs/idempotency.md): the key's claim rides with the POST's
  // START TRANSACTION, its stored response with the COMMIT.
  it('POST with a new Idempotency-Key: 7, as without one; its replay: 2 (the claim finds the response, rollback)', async () => {
    const sent = await statementsOf(() => postProject({ 'idempotency-key': 'budget-1' }), 201);
    expect(sent).toHaveLength(7);
    expect(sent[0]).toMatch(/^START TRANSACTION; SELECT pg_try_advisory_xact_lock\(.*; SAVEPOINT idempotent_handler$/);
    expect(sent[1]).toMatch(TENANT_SCOPE);
    expect(sent[4]).toMatch(/^INSERT INTO idempotency_keys .*; COMMIT$/);
    const replay = await statementsOf(() => postProject({ 'idempotency-key': 'budget-1' }), 201);
    expect(replay).toHaveLength(2);
    expect(replay[1]).toBe('ROLLBACK');
  });

  it('a login the argon2 pool would refuse, alone or in a burst: 503 server_busy and no statement at all', async () => {
    // One hashing at a time, no queue, and slow hashing, so one login holds the pool.
    const env = { ARGON2_MAX_CONCURRENCY: '1', ARGON2_MAX_QUEUE: '0', ARGON2_TIME_COST: '20', NOTIFICATIONS_POLL_MS: '3600000' };
    await withTestApp({ env }, async (capped) => {
      const other = uniqueEmail('shed');
      await register(capped, other);
      await settled(capped);
      const gauge = async (state: string): Promise<number> => {
        const pool = await capped.app.get(Metrics).registry.getSingleMetric('argon2_pool')?.get();
        return pool?.values.find((v) => v.labels.state === state)?.value ?? 0;
      };
      const running = () => gauge('running');
      const holder = tokenRequest(capped, other);
      while ((await running()) === 0) await new Promise((resolve) => setImmediate(resolve));
      const shed = await statementsOf(() => tokenRequest(capped, other), 503);
      expect(shed).toEqual([]);
      expect(await gauge('admitted')).toBe(1);
      expect((await holder).statusCode).toBe(200);

      // A burst over what the pool takes: the login past it is refused in onRequest too (it was let
      // through while the first had not reached the pool yet, and refused there after 6 round trips).
      const alone = await statementsOf(() => tokenRequest(capped, other), 200);
      statements.length = 0;
      const burst = await Promise.all([tokenRequest(capped, other), tokenRequest(capped, other)]);
      expect(burst.map((r) => r.statusCode).sort()).toEqual([200, 503]);
      expect(statements).toHaveLength(alone.length);
      // Every admitted login gave its place back when its response was over.
      await new Promise((resolve) => setImmediate(resolve));
      expect(await gauge('admitted')).toBe(0);
    });
  });
});
