import type { EntityManager } from 'typeorm';

interface PgClient {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * Runs `text` as the named prepared statement `name` on the connection of `m`'s transaction:
 * PostgreSQL parses and plans it once per connection instead of on every request. For the
 * hottest statements only (the tenant scope, the project list); one `name` must always carry
 * the same `text`. Outside a transaction (no query runner), an ordinary query.
 *
 * Behind PgBouncer in transaction mode, named statements need its `max_prepared_statements`
 * (1.21+); docs/operations/capacity-planning.md.
 */
export async function preparedQuery<R>(m: EntityManager, name: string, text: string, values: unknown[]): Promise<R[]> {
  if (!m.queryRunner) return m.query<R[]>(text, values);
  const client = (await m.queryRunner.connect()) as PgClient;
  return (await client.query<R>({ name, text, values })).rows;
}
