import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/** What is current while a service runs inside `runInTransaction`. */
interface TransactionScope {
  readonly manager: EntityManager;
  /** Run, in order, once the transaction has committed (never after a rollback). */
  readonly afterCommit: (() => Promise<void>)[];
}

const storage = new AsyncLocalStorage<TransactionScope>();

/**
 * The EntityManager of the transaction the caller runs in (`runInTransaction`), if any.
 * Writers that must commit or roll back with the caller's change (the audit outbox) write
 * through it; undefined outside a transaction.
 */
export function currentTransaction(): EntityManager | undefined {
  return storage.getStore()?.manager;
}

/**
 * Registers `hook` to run once the current transaction has committed; `runInTransaction`
 * awaits it before it returns. Outside a transaction, returns false and does nothing (the
 * caller's write is already committed: run the follow-up yourself). The same function
 * registered twice in one transaction runs once. Hooks should not throw: the change is
 * committed whatever they do, so an error is the hook's to handle.
 */
export function afterCommit(hook: () => Promise<void>): boolean {
  const scope = storage.getStore();
  if (!scope) return false;
  if (!scope.afterCommit.includes(hook)) scope.afterCommit.push(hook);
  return true;
}

/**
 * Runs `fn` in a transaction and makes it the ambient one (`currentTransaction()`) for
 * everything `fn` awaits, event subscribers included, so what they write commits or rolls
 * back with the change. A call inside another `runInTransaction` joins the outer
 * transaction. After the commit, the hooks registered with `afterCommit` run (outside the
 * transaction) before this resolves.
 */
export async function runInTransaction<T>(dataSource: DataSource, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
  const outer = storage.getStore();
  if (outer) return fn(outer.manager);
  const hooks: (() => Promise<void>)[] = [];
  const result = await dataSource.transaction((manager) => storage.run({ manager, afterCommit: hooks }, () => fn(manager)));
  for (const hook of hooks) await hook();
  return result;
}
