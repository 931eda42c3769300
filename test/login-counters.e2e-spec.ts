import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuthService } from '../src/contexts/identity';
import { type CounterKeys, PostgresCounters, sharedRateLimiter } from '../src/contexts/identity/testing';
import type { RedisConnection } from '../src/platform/redis/redis.module';
import { createTestApp, type TestApp } from './support/app';

/**
 * The failed-login throttle's counters in PostgreSQL (`login_throttle`): both points in one
 * statement, both given back in one, with the windows and the key format rate-limiter-flexible's
 * `RateLimiterPostgres` had (docs/security.md, "Brute force"). The throttle's behaviour through
 * HTTP is test/brute-force.e2e-spec.ts's.
 */
describe('login throttle counters in PostgreSQL (e2e)', () => {
  let t: TestApp;
  let counters: PostgresCounters;
  const rates = { identity: { limit: 3, windowSeconds: 60 }, ip: { limit: 5, windowSeconds: 600 } };

  beforeAll(async () => {
    t = await createTestApp();
    counters = new PostgresCounters(t.app.get(DataSource), rates, { identity: 'login_ip_email', ip: 'login_ip' });
  });
  afterAll(async () => {
    await t.close();
  });

  const fresh = (): CounterKeys => ({
    identity: randomUUID(),
    ip: `198.51.100.${Math.floor(Math.random() * 250)}-${randomUUID()}`,
  });
  const rows = async (keys: CounterKeys) =>
    Object.fromEntries(
      (
        await t.db.query<{ key: string; points: number; expire: string }>(
          `SELECT key, points, expire FROM login_throttle WHERE key = ANY($1)`,
          [[`login_ip_email:${keys.identity}`, `login_ip:${keys.ip}`]],
        )
      ).map((r) => [r.key.startsWith('login_ip_email:') ? 'identity' : 'ip', { points: r.points, expire: Number(r.expire) }]),
    );

  it('takes a point from both counters, in their own windows, and refuses past a limit', async () => {
    const keys = fresh();
    const before = Date.now();
    const first = await counters.consume(keys);
    expect(first.identity).toMatchObject({
      refused: false,
      res: { consumedPoints: 1, remainingPoints: 2, isFirstInDuration: true },
    });
    expect(first.ip).toMatchObject({ refused: false, res: { consumedPoints: 1, remainingPoints: 4 } });
    expect(first.identity.res.msBeforeNext).toBeGreaterThan(55_000);
    expect(first.identity.res.msBeforeNext).toBeLessThanOrEqual(60_000);
    expect(first.ip.res.msBeforeNext).toBeGreaterThan(595_000);
    const stored = await rows(keys);
    expect(stored.identity.expire).toBeGreaterThanOrEqual(before + 60_000);
    expect(stored.identity.expire).toBeLessThanOrEqual(Date.now() + 60_000);

    await counters.consume(keys);
    const third = await counters.consume(keys);
    expect(third.identity).toMatchObject({
      refused: false,
      res: { consumedPoints: 3, remainingPoints: 0, isFirstInDuration: false },
    });
    const fourth = await counters.consume(keys);
    expect(fourth.identity).toMatchObject({ refused: true, res: { consumedPoints: 4, remainingPoints: 0 } });
    expect(fourth.ip.refused).toBe(false);
    // The window is not moved by the points taken in it.
    expect((await rows(keys)).identity.expire).toBe(stored.identity.expire);
  });

  it('a success ends the identity’s window (the next point opens a new one) and gives the IP’s point back', async () => {
    const keys = fresh();
    await counters.consume(keys);
    await counters.consume(keys);
    await counters.giveBack(keys, true);
    const after = await rows(keys);
    expect(after.identity.points).toBe(0);
    expect(after.identity.expire).toBeLessThanOrEqual(Date.now());
    expect(after.ip.points).toBe(1);

    const next = await counters.consume(keys);
    expect(next.identity).toMatchObject({ refused: false, res: { consumedPoints: 1, isFirstInDuration: true } });
    expect(next.identity.res.msBeforeNext).toBeGreaterThan(55_000);
    expect(next.ip.res.consumedPoints).toBe(2);
  });

  it('an attempt that checked no password gives both points back, never below zero', async () => {
    const keys = fresh();
    await counters.consume(keys);
    await counters.giveBack(keys, false);
    expect(await rows(keys)).toMatchObject({ identity: { points: 0 }, ip: { points: 0 } });
    await counters.giveBack(keys, false);
    expect(await rows(keys)).toMatchObject({ identity: { points: 0 }, ip: { points: 0 } });
    // Giving back where nothing was taken leaves no live window.
    const unknown = fresh();
    await counters.giveBack(unknown, true);
    const left = await rows(unknown);
    for (const row of Object.values(left)) expect(row.expire).toBeLessThanOrEqual(Date.now());
    expect((await counters.consume(unknown)).identity.res.consumedPoints).toBe(1);
  });

  it('a point taken after a window has passed opens a new one', async () => {
    const keys = fresh();
    for (let i = 0; i < 4; i++) await counters.consume(keys);
    await t.db.query(`UPDATE login_throttle SET expire = $2 WHERE key = $1`, [`login_ip_email:${keys.identity}`, Date.now() - 1]);
    const next = await counters.consume(keys);
    expect(next.identity).toMatchObject({ refused: false, res: { consumedPoints: 1, isFirstInDuration: true } });
    expect(next.ip.res.consumedPoints).toBe(5);
  });

  it('attempts and settlements on the same rows at once: no deadlock, every point accounted for', async () => {
    // Both statements lock the two rows in key order; mixed in parallel they must all complete.
    const keys = fresh();
    const wide = new PostgresCounters(
      t.app.get(DataSource),
      { identity: { limit: 1000, windowSeconds: 60 }, ip: { limit: 1000, windowSeconds: 60 } },
      {
        identity: 'login_ip_email',
        ip: 'login_ip',
      },
    );
    const rounds = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0 ? wide.consume(keys).then(() => wide.giveBack(keys, false)) : wide.consume(keys),
      ),
    );
    expect(rounds).toHaveLength(200);
    // 200 taken, 100 given back, on both rows.
    expect(await rows(keys)).toMatchObject({ identity: { points: 100 }, ip: { points: 100 } });
  });

  it('the hourly cleanup skips a counter a login holds instead of waiting for it (no deadlock with the two-row statements)', async () => {
    const keys = fresh();
    await counters.consume(keys);
    const [identityKey, ipKey] = [`login_ip_email:${keys.identity}`, `login_ip:${keys.ip}`];
    await t.db.query(`UPDATE login_throttle SET expire = $2 WHERE key = ANY($1)`, [[identityKey, ipKey], Date.now() - 1]);
    const dataSource = t.app.get(DataSource);
    const holder = dataSource.createQueryRunner();
    const cleaner = dataSource.createQueryRunner();
    try {
      // A login's statement holding the IP's row (a transaction keeps the lock while the cleanup runs).
      await holder.startTransaction();
      await holder.query(`SELECT key FROM login_throttle WHERE key = $1 FOR UPDATE`, [ipKey]);
      await cleaner.startTransaction();
      await cleaner.query(`SET LOCAL lock_timeout = '2s'`);
      // Waiting on the held row would end in a lock timeout here (and, with a login waiting the other way, a deadlock).
      const { counters: deleted } = await t.app.get(AuthService).deleteStaleLoginState(cleaner.manager, new Date());
      await cleaner.commitTransaction();
      const left = (
        await t.db.query<{ key: string }>(`SELECT key FROM login_throttle WHERE key = ANY($1)`, [[identityKey, ipKey]])
      ).map((r) => r.key);
      expect(left).toEqual([ipKey]);
      expect(deleted).toBeGreaterThanOrEqual(1);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      if (cleaner.isTransactionActive) await cleaner.rollbackTransaction();
      await holder.release();
      await cleaner.release();
    }
    // The next cleanup, with nobody holding it, takes it.
    await t.app.get(AuthService).deleteStaleLoginState(t.app.get(DataSource).manager, new Date());
    expect(await t.db.query(`SELECT key FROM login_throttle WHERE key = $1`, [ipKey])).toEqual([]);
  });

  it('the other throttles on this table run no clean-up of their own: the hourly job deletes their expired rows too', async () => {
    // rate-limiter-flexible's timer would delete expired rows every five minutes in no order (a deadlock
    // with a login's two-row statement); the account-mail throttle's limiters are made with it off.
    const noRedis = { client: undefined } as unknown as RedisConnection;
    const limiter = sharedRateLimiter(noRedis, t.app.get(DataSource), 'account_mail_ip', { limit: 3, windowSeconds: 60 });
    expect((limiter as unknown as { clearExpiredByTimeout: boolean }).clearExpiredByTimeout).toBe(false);
    const key = `account_mail_ip:${randomUUID()}`;
    await t.db.query(`INSERT INTO login_throttle (key, points, expire) VALUES ($1, 1, $2)`, [key, Date.now() - 1]);
    await t.app.get(AuthService).deleteStaleLoginState(t.app.get(DataSource).manager, new Date());
    expect(await t.db.query(`SELECT key FROM login_throttle WHERE key = $1`, [key])).toEqual([]);
  });
});
