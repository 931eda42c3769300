import type { LightMyRequestResponse } from 'fastify';
import { DataSource } from 'typeorm';
import { AuthService } from '../src/contexts/identity';
import { PasswordHasher } from '../src/contexts/identity/testing';
import { Clock } from '../src/platform/clock';
import type { BoundedPool } from '../src/platform/concurrency/bounded-pool';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { bearer, login, person, register, requestToken, STRONG_PASSWORD, uniqueEmail } from './support/auth';
import { captureEvents, type CapturedEvent } from './support/events';

const ADMIN_EMAIL = 'lock.admin@example.com';
const ADMIN_PASSWORD = 'admin-unlock-passphrase-Tr0ub4dor';
const WRONG = 'not-the-password-at-all-9';

let ipCounter = 0;
/** A fresh client IP for each call, so the per-(IP, email) throttle stays out of lockout tests. */
const nextIp = (): string => {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

function attempt(
  t: TestApp,
  email: string,
  password: string,
  ip = '192.0.2.10',
  userAgent = 'bastion-e2e',
): Promise<LightMyRequestResponse> {
  return requestToken(t, { email, password }, { ip, headers: { 'user-agent': userAgent } });
}

/** `n` wrong-password attempts, each from its own IP (the lockout counts them all). */
async function failFromManyIps(t: TestApp, email: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await attempt(t, email, WRONG, nextIp())).statusCode);
  return statuses;
}

describe('brute-force defence (e2e)', () => {
  let t: TestApp;
  let events: CapturedEvent[];

  beforeAll(async () => {
    // A deep argon2 queue: the parallel tests here are about counters, not about shedding load.
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, ARGON2_MAX_QUEUE: '200' } });
    events = captureEvents(t).events;
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const named = (name: string, where: Record<string, unknown> = {}): CapturedEvent[] =>
    events.filter((e) => e.name === name && Object.entries(where).every(([k, v]) => e.payload[k] === v));

  describe('failed-login throttle per (IP, email)', () => {
    it('counts failures down in X-RateLimit-Remaining and answers the 6th with 429, Retry-After and retry_after', async () => {
      const email = uniqueEmail('throttle');
      await register(t, email);
      const remaining: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await attempt(t, email, WRONG, '192.0.2.50');
        expect(res.statusCode).toBe(401);
        remaining.push(String(res.headers['x-ratelimit-remaining']));
        expect(res.headers['x-ratelimit-limit']).toBe('5');
      }
      expect(remaining).toEqual(['4', '3', '2', '1', '0']);

      const sixth = await attempt(t, email, WRONG, '192.0.2.50');
      expect(sixth.statusCode).toBe(429);
      expect(sixth.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = sixth.json();
      expect(body).toMatchObject({ status: 429, code: 'too_many_attempts' });
      const retryAfter = Number(sixth.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(body.retry_after).toBe(retryAfter);
      expect(sixth.headers['x-ratelimit-remaining']).toBe('0');
      const reset = Number(sixth.headers['x-ratelimit-reset']);
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
      expect(sixth.headers['ratelimit-policy']).toContain('"login";q=5;w=60');
      expect(sixth.headers.ratelimit).toMatch(/^"login";r=0;t=\d+$/);

      // The right password is refused too while the throttle holds.
      expect((await attempt(t, email, STRONG_PASSWORD, '192.0.2.50')).statusCode).toBe(429);
      // Another IP is a different (IP, email) pair.
      expect((await attempt(t, email, STRONG_PASSWORD, '192.0.2.51')).statusCode).toBe(200);
      expect(named('auth.login_throttled', { email, ip: '192.0.2.50', scope: 'ip_email' }).length).toBeGreaterThanOrEqual(2);
    });

    it('does not count successful logins, and a success clears the (IP, email) streak', async () => {
      const email = uniqueEmail('success');
      await register(t, email);
      for (let i = 0; i < 8; i++) expect((await attempt(t, email, STRONG_PASSWORD, '192.0.2.60')).statusCode).toBe(200);
      for (let i = 0; i < 4; i++) expect((await attempt(t, email, WRONG, '192.0.2.60')).statusCode).toBe(401);
      const ok = await attempt(t, email, STRONG_PASSWORD, '192.0.2.60');
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-remaining']).toBe('5');
      for (let i = 0; i < 5; i++) expect((await attempt(t, email, WRONG, '192.0.2.60')).statusCode).toBe(401);
    });

    it('does not count requests that never checked a password (400)', async () => {
      const email = uniqueEmail('invalid');
      for (let i = 0; i < 8; i++) {
        const res = await requestToken(t, { email }, { ip: '192.0.2.70' });
        expect(res.statusCode).toBe(400);
      }
      expect((await attempt(t, email, WRONG, '192.0.2.70')).headers['x-ratelimit-remaining']).toBe('4');
    });

    it('20 parallel wrong-password requests at one account yield at most 5 × 401 and the rest 429', async () => {
      const email = uniqueEmail('parallel');
      await register(t, email);
      const results = await Promise.all(Array.from({ length: 20 }, () => attempt(t, email, WRONG, '192.0.2.80')));
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(20 - statuses.filter((s) => s === 401).length);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    });
  });

  describe('credential-stuffing breaker per IP', () => {
    it('refuses an IP that failed against many emails, whatever the next email', async () => {
      await withTestApp({ env: { LOGIN_FAILURES_PER_IP: '6/15m' } }, async (other) => {
        for (let i = 0; i < 6; i++)
          expect((await attempt(other, uniqueEmail('stuffing'), WRONG, '198.51.100.9')).statusCode).toBe(401);
        const refused = await attempt(other, uniqueEmail('stuffing'), WRONG, '198.51.100.9');
        expect(refused.statusCode).toBe(429);
        expect(refused.json()).toMatchObject({ code: 'too_many_attempts' });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(60);
        expect((await attempt(other, uniqueEmail('stuffing'), WRONG, '198.51.100.10')).statusCode).toBe(401);
      });
    });
  });

  describe('account lockout', () => {
    it('locks after 10 failures (any IPs); the right password is refused with the same 429 shape', async () => {
      const email = uniqueEmail('locked');
      const user = await register(t, email);
      expect(await failFromManyIps(t, email, 9)).toEqual(Array(9).fill(401));
      expect(named('auth.account_locked', { user_id: user.id })).toHaveLength(0);
      expect(await failFromManyIps(t, email, 1)).toEqual([401]);
      const [locked] = named('auth.account_locked', { user_id: user.id });
      expect(locked.payload).toMatchObject({ lockout_level: 1, cooldown_seconds: 900, email, user_agent: 'bastion-e2e' });
      expect(locked.payload.ip).toMatch(/^10\./);

      const refused = await attempt(t, email, STRONG_PASSWORD, nextIp());
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ status: 429, code: 'too_many_attempts' });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(890);
      expect(retryAfter).toBeLessThanOrEqual(900);
      expect(refused.json().retry_after).toBe(retryAfter);
      expect(named('auth.login_blocked', { user_id: user.id })).toHaveLength(1);
    });

    it('the lock and its audit record commit together: no lock without its record', async () => {
      const email = uniqueEmail('atomic-lock');
      const user = await register(t, email);
      const lockOf = () =>
        t.db.query<{ locked_until: Date | null }>(`SELECT locked_until FROM login_lockouts WHERE user_id = $1`, [user.id]);
      const auditOf = () =>
        t.db.query(`SELECT seq FROM audit_events WHERE type = 'auth.account_locked' AND actor_id = $1`, [user.id]);
      expect(await failFromManyIps(t, email, 9)).toEqual(Array(9).fill(401));
      // The record of the lock cannot be written: the failure that would lock changes nothing.
      await t.db.query(`ALTER TABLE audit_outbox ADD CONSTRAINT ck_test_no_lock CHECK (draft->>'type' <> 'auth.account_locked')`);
      try {
        expect((await attempt(t, email, WRONG, nextIp())).statusCode).toBe(500);
        expect(await lockOf()).toEqual([{ locked_until: null }]);
      } finally {
        await t.db.query(`ALTER TABLE audit_outbox DROP CONSTRAINT ck_test_no_lock`);
      }
      expect(await auditOf()).toEqual([]);
      // Once it can be recorded, the next failure locks, and the record is on the chain.
      expect(await failFromManyIps(t, email, 1)).toEqual([401]);
      expect((await lockOf())[0].locked_until).not.toBeNull();
      expect(await auditOf()).toHaveLength(1);
    });

    it('a success ends the streak: 9 failures, the right password, 9 more failures and no lock', async () => {
      const email = uniqueEmail('streak');
      const user = await register(t, email);
      expect(await failFromManyIps(t, email, 9)).toEqual(Array(9).fill(401));
      expect((await attempt(t, email, STRONG_PASSWORD, nextIp())).statusCode).toBe(200);
      expect(await failFromManyIps(t, email, 9)).toEqual(Array(9).fill(401));
      expect(named('auth.account_locked', { user_id: user.id })).toHaveLength(0);
      expect((await attempt(t, email, STRONG_PASSWORD, nextIp())).statusCode).toBe(200);
      expect(await failFromManyIps(t, email, 10)).toEqual(Array(10).fill(401));
      expect(named('auth.account_locked', { user_id: user.id })).toHaveLength(1);
    });

    it('an unknown email locks the same way, so a lockout reveals nothing about registration', async () => {
      const known = uniqueEmail('known');
      await register(t, known);
      const unknown = uniqueEmail('nobody');
      expect(await failFromManyIps(t, known, 10)).toEqual(Array(10).fill(401));
      expect(await failFromManyIps(t, unknown, 10)).toEqual(Array(10).fill(401));
      const a = await attempt(t, known, STRONG_PASSWORD, nextIp());
      const b = await attempt(t, unknown, STRONG_PASSWORD, nextIp());
      expect([a.statusCode, b.statusCode]).toEqual([429, 429]);
      const shape = (r: LightMyRequestResponse) => {
        const { request_id: _id, retry_after: _r, ...rest } = r.json();
        return {
          ...rest,
          headers: Object.keys(r.headers)
            .filter((h) => !['x-request-id', 'date'].includes(h))
            .sort(),
        };
      };
      expect(shape(a)).toEqual(shape(b));
      expect(named('auth.account_locked', { email: unknown, user_id: null })).toHaveLength(1);
    });

    it('20 parallel failures from 20 IPs lock the account exactly once', async () => {
      const email = uniqueEmail('race');
      const user = await register(t, email);
      const results = await Promise.all(Array.from({ length: 20 }, () => attempt(t, email, WRONG, nextIp())));
      expect(results.every((r) => r.statusCode === 401 || r.statusCode === 429)).toBe(true);
      expect(named('auth.account_locked', { user_id: user.id })).toHaveLength(1);
      const rows = await t.db.query<{ lockout_level: number }>(`SELECT lockout_level FROM login_lockouts WHERE user_id = $1`, [
        user.id,
      ]);
      expect(rows).toEqual([{ lockout_level: 1 }]);
    });

    it('admin unlock lets the account log in at once; users may not unlock', async () => {
      const email = uniqueEmail('unlock');
      const user = await register(t, email);
      await failFromManyIps(t, email, 10);
      expect((await attempt(t, email, STRONG_PASSWORD, nextIp())).statusCode).toBe(429);

      const { tokens: userTokens } = await person(t, 'someone');
      const forbidden = await t.inject({
        method: 'POST',
        url: `/api/v1/auth/users/${user.id}/unlock`,
        headers: bearer(userTokens),
      });
      expect(forbidden.statusCode).toBe(403);

      const admin = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      const unlock = await t.inject({ method: 'POST', url: `/api/v1/auth/users/${user.id}/unlock`, headers: bearer(admin) });
      expect(unlock.statusCode).toBe(204);
      const [event] = named('auth.account_unlocked', { user_id: user.id });
      expect(event.payload).toMatchObject({ reason: 'admin', was_locked: true });
      expect(event.payload.by_user_id).toEqual(expect.any(String));
      expect((await attempt(t, email, STRONG_PASSWORD, nextIp())).statusCode).toBe(200);

      const missing = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/users/00000000-0000-4000-8000-000000000000/unlock',
        headers: bearer(admin),
      });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('user_not_found');
    });

    it('unlocks by itself when the cooldown has passed; the next lockout doubles the cooldown', async () => {
      const email = uniqueEmail('cooldown');
      const user = await register(t, email);
      await failFromManyIps(t, email, 10);
      const clock = t.app.get(Clock);
      const lockedAt = Date.now();

      jest.spyOn(clock, 'now').mockReturnValue(new Date(lockedAt + 14 * 60_000));
      expect((await attempt(t, email, STRONG_PASSWORD, nextIp())).statusCode).toBe(429);

      jest.spyOn(clock, 'now').mockReturnValue(new Date(lockedAt + 15 * 60_000 + 1000));
      await failFromManyIps(t, email, 10);
      expect(named('auth.account_unlocked', { user_id: user.id, reason: 'cooldown' })).toHaveLength(1);
      const levels = named('auth.account_locked', { user_id: user.id }).map((e) => e.payload.cooldown_seconds);
      expect(levels).toEqual([900, 1800]);

      jest.spyOn(clock, 'now').mockReturnValue(new Date(lockedAt + 15 * 60_000 + 1000 + 30 * 60_000 + 1000));
      expect((await attempt(t, email, STRONG_PASSWORD, nextIp())).statusCode).toBe(200);
      expect(named('auth.account_unlocked', { user_id: user.id, reason: 'cooldown' })).toHaveLength(2);
    });
  });

  describe('suspicious-login telemetry', () => {
    it('flags a login from a new IP or user agent (not the first login) and a success after repeated failures', async () => {
      const email = uniqueEmail('suspicious');
      const user = await register(t, email);
      expect((await attempt(t, email, STRONG_PASSWORD, '203.0.113.1', 'agent-a')).statusCode).toBe(200);
      expect((await attempt(t, email, STRONG_PASSWORD, '203.0.113.1', 'agent-a')).statusCode).toBe(200);
      expect(named('auth.suspicious_login', { user_id: user.id })).toHaveLength(0);

      expect((await attempt(t, email, STRONG_PASSWORD, '203.0.113.2', 'agent-a')).statusCode).toBe(200);
      expect(named('auth.suspicious_login', { user_id: user.id }).map((e) => e.payload.reasons)).toEqual([['new_ip']]);

      for (let i = 0; i < 3; i++) expect((await attempt(t, email, WRONG, '203.0.113.3', 'agent-b')).statusCode).toBe(401);
      const repeated = named('auth.repeated_login_failures', { user_id: user.id });
      expect(repeated.map((e) => e.payload)).toEqual([
        { email, user_id: user.id, ip: '203.0.113.3', user_agent: 'agent-b', failures: 3, occurred_at: expect.any(String) },
      ]);
      expect((await attempt(t, email, STRONG_PASSWORD, '203.0.113.3', 'agent-b')).statusCode).toBe(200);
      const last = named('auth.suspicious_login', { user_id: user.id }).at(-1)!;
      expect(last.payload).toMatchObject({
        reasons: ['new_ip', 'new_user_agent', 'after_failures'],
        failures_before: 3,
        ip: '203.0.113.3',
        user_agent: 'agent-b',
      });
    });
  });

  describe('argon2 concurrency cap', () => {
    it('sheds a login flood beyond the pool with fast 503 server_busy (not counted as failures), while probes answer', async () => {
      await withTestApp({ env: { ARGON2_MAX_CONCURRENCY: '1', ARGON2_MAX_QUEUE: '1' } }, async (capped) => {
        const email = uniqueEmail('flood');
        await register(capped, email);
        const [results, health] = await Promise.all([
          Promise.all(Array.from({ length: 12 }, () => attempt(capped, email, STRONG_PASSWORD, nextIp()))),
          capped.inject({ method: 'GET', url: '/health/live' }),
        ]);
        expect(health.statusCode).toBe(200);
        const statuses = results.map((r) => r.statusCode);
        expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
        const busy = results.filter((r) => r.statusCode === 503);
        expect(busy.length).toBeGreaterThan(0);
        expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
        expect(busy[0].json()).toMatchObject({ code: 'server_busy', retry_after: 1 });
        expect(busy[0].headers['retry-after']).toBe('1');
        // shed attempts are not failures: no lockout streak was recorded
        expect(await capped.db.query(`SELECT failed_count FROM login_lockouts`)).toEqual([]);
      });
    });

    it('refuses a login while the pool is full in the first hook: before its body is read, parsed or validated', async () => {
      await withTestApp({ env: { ARGON2_MAX_CONCURRENCY: '1', ARGON2_MAX_QUEUE: '0' } }, async (capped) => {
        const malformed = (url: string) =>
          capped.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"email": broken' });
        // Holds the one hashing slot, as a login in progress would.
        const hasher: PasswordHasher = capped.app.get(PasswordHasher);
        const { pool } = hasher as unknown as { pool: BoundedPool };
        let release!: () => void;
        const held = pool.run(() => new Promise((resolve) => (release = () => resolve(undefined))));
        try {
          const refused = await malformed('/api/v1/auth/token');
          expect(refused.statusCode).toBe(503);
          expect(refused.json()).toMatchObject({ code: 'server_busy', retry_after: 1, instance: '/api/v1/auth/token' });
          expect(refused.headers['retry-after']).toBe('1');
          expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
          // Only routes that hash a password are shed.
          expect((await malformed('/api/v1/auth/register')).statusCode).toBe(400);
        } finally {
          release();
          await held;
        }
        expect((await malformed('/api/v1/auth/token')).statusCode).toBe(400);
      });
    });
  });

  describe('client addresses behind TRUST_PROXY', () => {
    it('a forwarded address that is not an IP (a 300-character one included) is no address: the login answers 200 or 401, never 500', async () => {
      await withTestApp({ env: { TRUST_PROXY: 'true' } }, async (proxied) => {
        const email = uniqueEmail('forwarded');
        await register(proxied, email);
        for (const forwarded of ['a'.repeat(300), 'not-an-address']) {
          const headers = { 'x-forwarded-for': forwarded };
          const wrong = await requestToken(proxied, { email, password: WRONG }, { headers });
          expect(wrong.statusCode).toBe(401);
          const right = await requestToken(proxied, { email, password: STRONG_PASSWORD }, { headers });
          expect(right.statusCode).toBe(200);
        }
        // Counted under the unknown address, not the header's text; a real forwarded address is kept.
        const keys = (await proxied.db.query<{ key: string }>(`SELECT key FROM login_throttle WHERE key LIKE 'login_ip:%'`)).map(
          (r) => r.key,
        );
        expect(keys).toEqual(['login_ip:-']);
        const forwarded = await requestToken(
          proxied,
          { email, password: STRONG_PASSWORD },
          { headers: { 'x-forwarded-for': '203.0.113.9' } },
        );
        expect(forwarded.statusCode).toBe(200);
        const sessions = await proxied.db.query<{ ip: string | null }>(
          `SELECT s.ip FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1 ORDER BY s.created_at`,
          [email],
        );
        expect(sessions.map((r) => r.ip)).toEqual([null, null, '203.0.113.9']);
      });
    });
  });

  describe('stale state cleanup', () => {
    it('forgets finished streaks and expired counters, and keeps locks in force', async () => {
      await withTestApp({ env: { LOCKOUT_RESET_AFTER: '60s' } }, async (other) => {
        const finished = await register(other, uniqueEmail('finished'));
        const locked = await register(other, uniqueEmail('stillLocked'));
        await failFromManyIps(other, finished.email, 2);
        await failFromManyIps(other, locked.email, 10);
        const auth = other.app.get(AuthService);
        const m = other.app.get(DataSource).manager;
        const rows = async () =>
          (await other.db.query<{ user_id: string }>(`SELECT user_id FROM login_lockouts ORDER BY user_id`)).map(
            (r) => r.user_id,
          );

        expect(await auth.deleteStaleLoginState(m, new Date(Date.now() + 30_000))).toEqual({ lockouts: 0, counters: 0 });
        expect(await rows()).toEqual([finished.id, locked.id].sort());

        const twoMinutes = await auth.deleteStaleLoginState(m, new Date(Date.now() + 2 * 60_000));
        expect(twoMinutes.lockouts).toBe(1);
        expect(twoMinutes.counters).toBeGreaterThan(0); // the 60 s (IP, email) windows are over
        expect(await rows()).toEqual([locked.id]);

        const afterCooldown = await auth.deleteStaleLoginState(m, new Date(Date.now() + 16 * 60_000));
        expect(afterCooldown.lockouts).toBe(1);
        expect(await rows()).toEqual([]);
        expect(await other.db.query(`SELECT key FROM login_throttle`)).toEqual([]);
      });
    });
  });
});
