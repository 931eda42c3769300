import { EventEmitter2 } from '@nestjs/event-emitter';
import type { DataSource, EntityManager } from 'typeorm';
import { runInTransaction } from '../database/transaction-context';
import { EventBus, OnDomainEvent } from './event-bus';

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

describe('EventBus.batch', () => {
  /** A bus whose one async subscriber logs each fact it handles (as the audit's listener is registered). */
  function busWithLog(): { bus: EventBus; log: string[] } {
    const emitter = new EventEmitter2();
    const log: string[] = [];
    const subscriber = async (event: { user_id: string }): Promise<void> => {
      await Promise.resolve();
      log.push(`handled ${event.user_id}`);
    };
    for (const name of ['auth.mfa_enabled', 'auth.mfa_disabled']) {
      // As the audit's listener: the returned promise is what emitAsync (publish) awaits.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      emitter.on(name, subscriber, { async: true, promisify: true });
    }
    return { bus: new EventBus(emitter), log };
  }
  const fact = (user: string) => ({ user_id: user, ip: null, user_agent: null });

  it('holds the facts back until fn settles, then delivers them in order before it resolves', async () => {
    const { bus, log } = busWithLog();
    const result = await bus.batch(async () => {
      await bus.publish('auth.mfa_enabled', fact('a'));
      await bus.publish('auth.mfa_disabled', fact('b'));
      log.push('fn done');
      return 42;
    });
    expect(result).toBe(42);
    expect(log).toEqual(['fn done', 'handled a', 'handled b']);
  });

  it('delivers what was published before fn failed, and rejects with its error', async () => {
    const { bus, log } = busWithLog();
    await expect(
      bus.batch(async () => {
        await bus.publish('auth.mfa_enabled', fact('a'));
        throw new Error('the flow failed');
      }),
    ).rejects.toThrow('the flow failed');
    expect(log).toEqual(['handled a']);
  });

  it('inside a transaction, a fact goes out at once (its outbox row must commit with the change)', async () => {
    const { bus, log } = busWithLog();
    await bus.batch(async () => {
      await runInTransaction(fakeDataSource(log), () => bus.publish('auth.mfa_enabled', fact('in-tx')));
      await bus.publish('auth.mfa_disabled', fact('after'));
      log.push('fn done');
    });
    expect(log).toEqual(['handled in-tx', 'commit', 'fn done', 'handled after']);
  });

  it('a batch inside another joins it; outside any batch, publish waits for its subscribers', async () => {
    const { bus, log } = busWithLog();
    await bus.batch(async () => {
      await bus.batch(() => bus.publish('auth.mfa_enabled', fact('inner')));
      log.push('inner batch done');
    });
    await bus.publish('auth.mfa_disabled', fact('alone'));
    expect(log).toEqual(['inner batch done', 'handled inner', 'handled alone']);
  });
});
