import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../src/contexts/audit/testing';
import { GENEROUS_RATE_LIMITS } from './support/app';
import { waitForOutboxDrained } from './support/audit';
import { STRONG_PASSWORD } from './support/auth';
import { createTestDatabase, type TestDatabase } from './support/database';
import { type RunningService, startService, stopService, waitForListening } from './support/process';

jest.setTimeout(180_000);

/**
 * The acceptance test of the audit outbox: the real service in its own process, killed with
 * SIGKILL in the middle of a burst of registrations (each a committed change with an audited
 * fact). Whatever committed before the kill must be on the hash chain once an instance runs
 * again, and the chain must verify.
 */
describe('audit durability: kill -9 mid-burst loses no audit event (e2e, real process)', () => {
  let db: TestDatabase;
  const running: RunningService[] = [];
  const env = (): Record<string, string> => ({
    APP_ENV: 'test',
    DATABASE_URL: db.url,
    // The sweep is the restart's, at boot; none in the middle of the burst.
    AUDIT_OUTBOX_SWEEP_MS: '3600000',
    ...GENEROUS_RATE_LIMITS,
  });

  beforeAll(async () => {
    db = await createTestDatabase('audit_durability');
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => stopService(s, 'SIGKILL')));
    await db.drop();
  });

  it('every registration that committed before the kill has its audit row after a restart, and audit:verify passes', async () => {
    const first = startService(env());
    running.push(first);
    const base = await waitForListening(first);

    // 12 clients register in a loop; the process is killed once 30 have answered, with
    // the others in flight (hashing, inside their transaction, or between commit and drain).
    let answered = 0;
    let killed = false;
    const acknowledged: string[] = [];
    const client = async (n: number): Promise<void> => {
      for (let i = 0; !killed; i++) {
        const email = `burst-${n}-${i}@example.com`;
        try {
          const res = await fetch(`${base}/api/v1/auth/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email, password: STRONG_PASSWORD }),
          });
          if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${await res.text()}`);
          acknowledged.push(email);
          if (++answered === 30 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch (error) {
          if (killed) return; // the connection died with the process
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, n) => client(n)));
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');

    // What committed (users), and what may still sit in the outbox.
    const users = await db.query<{ id: string; email: string }>(`SELECT id, email FROM users WHERE email LIKE 'burst-%'`);
    expect(users.length).toBeGreaterThanOrEqual(acknowledged.length);
    expect(new Set(users.map((u) => u.email))).toEqual(expect.objectContaining({ size: users.length }));
    for (const email of acknowledged) expect(users.map((u) => u.email)).toContain(email);

    // A new instance drains what the killed one left, at boot.
    const second = startService(env());
    running.push(second);
    await waitForListening(second);
    await waitForOutboxDrained(db.query);

    const audited = await db.query<{ subject_id: string }>(
      `SELECT subject_id FROM audit_events WHERE type = 'auth.user_registered' AND subject_type = 'user'`,
    );
    const auditedIds = audited.map((a) => a.subject_id).sort();
    // Every committed user has exactly one registration record, and there is none without a user.
    expect(auditedIds).toEqual(users.map((u) => u.id).sort());

    expect(await stopService(second)).toBe(0);

    const dataSource = new DataSource({ type: 'postgres', url: db.url });
    await dataSource.initialize();
    try {
      const report = await verifyAuditChain(dataSource);
      expect(report).toMatchObject({ ok: true });
      const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events`);
      expect(report.verified).toBe(Number(n));
    } finally {
      await dataSource.destroy();
    }
  });
});
