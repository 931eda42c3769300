import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import { runInTransaction } from '../../platform/database/transaction-context';
import type { EventBus } from '../../platform/events';
import type { JobRunner } from '../../platform/jobs';
import type { IdentityConfig } from './identity.config';
import type { SessionStore } from './infra/session.store';
import type { UserSessionEntity } from './infra/user-session.entity';
import { SessionsService } from './sessions.service';

/** A DataSource whose transaction runs the callback and commits (`runInTransaction` then runs its afterCommit hooks). */
const committing = {
  transaction: (fn: (m: EntityManager) => Promise<unknown>) => fn({} as EntityManager),
} as unknown as DataSource;

/** A store with one session, `s1`, revoked once `revokeAllForUser` has committed (`committed`). */
function storeWithOneSession(): { store: SessionStore; commit: () => void } {
  let committed = false;
  const row = (): UserSessionEntity =>
    ({
      id: 's1',
      userId: 'u1',
      revokedAt: committed ? new Date() : null,
      expiresAt: new Date(Date.now() + 3_600_000),
      lastUsedAt: new Date(),
    }) as UserSessionEntity;
  const store = {
    revokeAllForUser: () => Promise.resolve(['s1']),
    findById: () => Promise.resolve(row()),
  } as unknown as SessionStore;
  return { store, commit: () => (committed = true) };
}

function service(store: SessionStore): SessionsService {
  const events = { publish: () => Promise.resolve() } as unknown as EventBus;
  const config = { sessionIdleTimeout: 86_400 } as IdentityConfig;
  return new SessionsService(store, events, new Clock(), {} as JobRunner, config);
}

describe('SessionsService.revokeAllForUser inside a transaction', () => {
  it('stops honouring the session once the change commits, even if a check cached it as live meanwhile', async () => {
    const { store, commit } = storeWithOneSession();
    const sessions = service(store);
    await runInTransaction(committing, async () => {
      expect(await sessions.revokeAllForUser('u1', 'password_reset')).toBe(1);
      // Another request checks the session before the revocation is committed: still live, and cached so.
      expect(await sessions.isActive('s1')).toBe(true);
      commit();
    });
    expect(await sessions.isActive('s1')).toBe(false);
  });
});
