import { DatabaseError } from 'pg';
import { type EntityManager, QueryFailedError } from 'typeorm';

interface PgQueryable {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * Runs `text` as the named prepared statement `name`: PostgreSQL parses and plans it once per
 * connection instead of on every call. On the connection of `m`'s transaction when it has one,
 * else on a connection of the pool for this statement alone (what TypeORM's `query` does).
 * For the hottest statements only (the tenant scope, the project list, the sign-in, the audit
 * chain's read and append); one `name` must always carry the same `text`.
 *
 * What PostgreSQL refuses comes as TypeORM's `QueryFailedError`, as from `m.query`; a failure to
 * reach it (no connection in time, a connection lost) comes as it is, so no caller takes an
 * outage for a bad statement (the audit drainer parks a row only on the former).
 *
 * Behind PgBouncer in transaction mode, named statements need its `max_prepared_statements`
 * (1.21+); docs/operations/capacity-planning.md.
 */
export async function preparedQuery<R>(m: EntityManager, name: string, text: string, values: unknown[]): Promise<R[]> {
  try {
    const target = m.queryRunner
      ? ((await m.queryRunner.connect()) as PgQueryable)
      : (m.connection.driver as unknown as { master: PgQueryable }).master;
    return (await target.query<R>({ name, text, values })).rows;
  } catch (error) {
    throw error instanceof DatabaseError ? new QueryFailedError(text, values, error) : error;
  }
}
