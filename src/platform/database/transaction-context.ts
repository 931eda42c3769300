import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** What is current while a service runs inside `runInTransaction`. */
interface TransactionScope {
  readonly manager: EntityManager;
  /** Run, in order, once the transaction has committed (never after a rollback). */
  readonly afterCommit: (() => Promise<void>)[];
  /** Run, in order, once the transaction has ended either way and its connection is back in the pool. */
  readonly afterEnd: (() => Promise<void>)[];
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
 * Registers `hook` to run once the current transaction has ended, committed or rolled back,
 * and its connection is back in the pool; the call that owns the transaction awaits it before
 * it returns (or throws). Outside a transaction, returns false and does nothing. For a record
 * that must stand whatever becomes of the transaction and needs a connection of its own
 * (`runApart`): taken while the transaction still holds one, that second connection can wait
 * for ever on a pool whose other connections wait on this transaction's locks. A hook that
 * throws is logged and does not change what the caller gets.
 */
export function afterTransaction(hook: () => Promise<void>): boolean {
  const scope = storage.getStore();
  if (!scope) return false;
  scope.afterEnd.push(hook);
  return true;
}

async function runHooks(hooks: (() => Promise<void>)[]): Promise<void> {
  for (const hook of hooks) await hook();
}

const logger = new Logger('Transactions');

/**
 * The `afterTransaction` hooks: each runs, in order, whatever the others do; an error is logged
 * and goes no further (the transaction's outcome, already decided, is what the caller gets).
 */
async function runEndHooks(hooks: (() => Promise<void>)[]): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook();
    } catch (error) {
      logger.error({ err: error }, 'A hook run after a transaction failed');
    }
  }
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
  const ended: (() => Promise<void>)[] = [];
  let result: T;
  try {
    result = await dataSource.transaction((manager) =>
      storage.run({ manager, afterCommit: hooks, afterEnd: ended }, () => fn(manager)),
    );
  } finally {
    await runEndHooks(ended);
  }
  await runHooks(hooks);
  return result;
}

/**
 * Runs `fn` in a transaction of its own even inside another one: for a record that must stand
 * whatever becomes of the caller's transaction (a refusal audited while the change it refused
 * rolls back). It takes a second connection from the pool for its duration.
 */
export function runApart<T>(dataSource: DataSource, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
  return storage.exit(() => runInTransaction(dataSource, fn));
}

/** How `runInOwnTransaction` ends the transaction once `fn` has settled: rolled back unless `fn` commits. */
export interface TransactionEnding {
  /** Commit, sending `statements` (literals only, no parameters) in the same round trip as COMMIT. */
  commitWith(statements: string, options?: { runAfterCommitHooks?: boolean }): void;
}

/**
 * A transaction on a connection of its own whose first and last round trips carry the caller's
 * statements: `opening` goes out with START TRANSACTION, and what `fn` passes to
 * `ending.commitWith` goes out with COMMIT. The transaction is the ambient one (as with
 * `runInTransaction`) for everything `fn` awaits, so a `runInTransaction` inside joins it, and
 * the `afterCommit` hooks registered meanwhile run once it has committed.
 *
 * For a layer that wraps someone else's transaction at no extra round trip (idempotency:
 * docs/idempotency.md). The statements travel in PostgreSQL's simple query protocol, which
 * takes no parameters: they must be built from literals escaped with pg's `escapeLiteral` or
 * checked against a safe alphabet. TypeORM still runs the transaction (its START TRANSACTION and
 * COMMIT, its depth bookkeeping, its subscribers); only the text of those two queries is
 * extended, for that one call each.
 *
 * `fn` returns what the caller gets and decides the ending through `ending` (rolled back unless
 * it asks to commit). If `fn` throws, the transaction rolls back and the error propagates; so
 * does the error of a COMMIT round trip that failed (one of the caller's statements refused),
 * after the rollback.
 */
export async function runInOwnTransaction<T>(
  dataSource: DataSource,
  opening: string,
  fn: (opened: Record<string, unknown>[][], ending: TransactionEnding) => Promise<T>,
): Promise<T> {
  if (storage.getStore()) throw new Error('runInOwnTransaction cannot run inside another transaction');
  const runner = dataSource.createQueryRunner();
  const hooks: (() => Promise<void>)[] = [];
  const ended: (() => Promise<void>)[] = [];
  let ending: { statements: string; runHooks: boolean } | undefined;
  let value: T;
  try {
    const client = (await runner.connect()) as { query(sql: string): Promise<PgResult | PgResult[]> };
    let opened: Record<string, unknown>[][] = [];
    await extendingOnce(
      runner,
      'START TRANSACTION',
      () => runner.startTransaction(),
      async () => {
        const results = await client.query(`START TRANSACTION; ${opening}`);
        opened = (Array.isArray(results) ? results : [results]).slice(1).map((r) => r.rows);
      },
    );
    const control: TransactionEnding = {
      commitWith: (statements, options) => {
        ending = { statements, runHooks: options?.runAfterCommitHooks ?? true };
      },
    };
    value = await storage.run({ manager: runner.manager, afterCommit: hooks, afterEnd: ended }, () => fn(opened, control));
    const commit = ending;
    if (commit) {
      await extendingOnce(
        runner,
        'COMMIT',
        () => runner.commitTransaction(),
        async () => {
          await client.query(commit.statements ? `${commit.statements}; COMMIT` : 'COMMIT');
        },
      );
    } else {
      await runner.rollbackTransaction();
    }
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
    await runEndHooks(ended);
  }
  if (ending?.runHooks) await runHooks(hooks);
  return value;
}

interface PgResult {
  rows: Record<string, unknown>[];
}

/**
 * Calls `lifecycle` (TypeORM's startTransaction or commitTransaction) with its query `sql`
 * sent by `send` instead; every other query goes through untouched.
 */
async function extendingOnce(
  runner: QueryRunner,
  sql: string,
  lifecycle: () => Promise<void>,
  send: () => Promise<void>,
): Promise<void> {
  const original = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  let sent = false;
  runner.query = (async (text: string, ...rest: unknown[]) => {
    if (!sent && text === sql) {
      sent = true;
      await send();
      return undefined;
    }
    return original(text, ...rest);
  }) as QueryRunner['query'];
  try {
    await lifecycle();
  } finally {
    delete (runner as Partial<QueryRunner>).query; // the prototype's again
  }
  if (!sent) throw new Error(`TypeORM did not send ${sql}: runInOwnTransaction needs updating`);
}
