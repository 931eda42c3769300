import { DataSource } from 'typeorm';
import {
  afterTransaction,
  currentTransaction,
  runInOwnTransaction,
  runInTransaction,
} from '../src/platform/database/transaction-context';
import { createTestApp, type TestApp } from './support/app';

/**
 * `afterTransaction` (src/platform/database/transaction-context.ts): a hook that runs once the
 * ambient transaction has ended, committed or rolled back, with its connection back in the pool.
 */
describe('transaction context: afterTransaction (e2e)', () => {
  let t: TestApp;
  let dataSource: DataSource;
  /** Connections of the app's pool in use right now. */
  const inUse = (): number => {
    const pool = (dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
    return pool.totalCount - pool.idleCount;
  };

  beforeAll(async () => {
    // No background work of the app's own takes a connection while these count them.
    t = await createTestApp({ env: { NOTIFICATIONS_POLL_MS: '3600000', AUDIT_OUTBOX_SWEEP_MS: '3600000' } });
    dataSource = t.app.get(DataSource);
    await t.db.query(
      'CREATE TABLE IF NOT EXISTS after_transaction_probe (note text); GRANT ALL ON after_transaction_probe TO PUBLIC',
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('does nothing outside a transaction', () => {
    expect(afterTransaction(() => Promise.resolve())).toBe(false);
  });

  it('runs after a commit and after a rollback, outside the transaction, its connection returned', async () => {
    const seen: { ambient: boolean; connections: number; rows: number }[] = [];
    const hook = (note: string) => async () => {
      const rows = await dataSource.query<unknown[]>('SELECT 1 FROM after_transaction_probe WHERE note = $1', [note]);
      seen.push({ ambient: currentTransaction() !== undefined, connections: inUse(), rows: rows.length });
    };
    await runInTransaction(dataSource, async (m) => {
      await m.query(`INSERT INTO after_transaction_probe VALUES ('committed')`);
      expect(afterTransaction(hook('committed'))).toBe(true);
    });
    await expect(
      runInTransaction(dataSource, async (m) => {
        await m.query(`INSERT INTO after_transaction_probe VALUES ('rolled back')`);
        afterTransaction(hook('rolled back'));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(seen).toEqual([
      { ambient: false, connections: 0, rows: 1 },
      { ambient: false, connections: 0, rows: 0 },
    ]);
  });

  it('runs after a transaction of its own (runInOwnTransaction) ends, joined calls included', async () => {
    const order: string[] = [];
    await runInOwnTransaction(dataSource, 'SELECT 1', async (_opened, ending) => {
      await runInTransaction(dataSource, () => {
        afterTransaction(() => {
          order.push(`hook (connections in use: ${inUse()})`);
          return Promise.resolve();
        });
        return Promise.resolve();
      });
      order.push('work');
      ending.commitWith('');
    });
    expect(order).toEqual(['work', 'hook (connections in use: 0)']);
  });

  it('a hook that throws is logged and changes nothing the caller gets; the hooks after it run', async () => {
    const ran: string[] = [];
    const result = await runInTransaction(dataSource, () => {
      afterTransaction(() => Promise.reject(new Error('hook failed')));
      afterTransaction(() => {
        ran.push('second');
        return Promise.resolve();
      });
      return Promise.resolve('committed');
    });
    expect(result).toBe('committed');
    expect(ran).toEqual(['second']);
  });
});
