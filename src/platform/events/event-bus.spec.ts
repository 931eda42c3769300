import type { DataSource, EntityManager } from 'typeorm';
import { runInTransaction } from '../database/transaction-context';
import { OnDomainEvent } from './event-bus';

/** A DataSource whose transaction runs the callback and commits, or rolls back when it throws. */
function fakeDataSource(log: string[]): DataSource {
  return {
    transaction: async (fn: (m: EntityManager) => Promise<unknown>) => {
      try {
        const result = await fn({} as EntityManager);
        log.push('commit');
        return result;
      } catch (error) {
        log.push('rollback');
        throw error;
      }
    },
  } as unknown as DataSource;
}

class Subscriber {
  constructor(private readonly log: string[]) {}

  @OnDomainEvent('auth.mfa_enabled')
  async handle(event: { user_id: string }): Promise<void> {
    await Promise.resolve();
    this.log.push(`handled ${event.user_id}`);
  }

  @OnDomainEvent('auth.mfa_disabled')
  fail(): never {
    this.log.push('failing');
    throw new Error('subscriber bug');
  }
}

describe('OnDomainEvent subscribers and transactions', () => {
  it('outside a transaction, run at once', async () => {
    const log: string[] = [];
    await new Subscriber(log).handle({ user_id: 'u1' });
    expect(log).toEqual(['handled u1']);
  });

  it('inside one, run after the commit, before runInTransaction resolves', async () => {
    const log: string[] = [];
    const subscriber = new Subscriber(log);
    await runInTransaction(fakeDataSource(log), async () => {
      await subscriber.handle({ user_id: 'u2' });
      log.push('change');
    });
    expect(log).toEqual(['change', 'commit', 'handled u2']);
  });

  it('inside one that rolls back, never run', async () => {
    const log: string[] = [];
    const subscriber = new Subscriber(log);
    await expect(
      runInTransaction(fakeDataSource(log), async () => {
        await subscriber.handle({ user_id: 'u3' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(log).toEqual(['rollback']);
  });

  it('a deferred subscriber that throws does not fail the committed publisher', async () => {
    const log: string[] = [];
    const subscriber = new Subscriber(log);
    await expect(
      runInTransaction(fakeDataSource(log), () => {
        subscriber.fail();
        return Promise.resolve('done');
      }),
    ).resolves.toBe('done');
    expect(log).toEqual(['commit', 'failing']);
  });
});
