import type { DataSource } from 'typeorm';

/**
 * The SQL TypeORM would still run to make the database match the entities, after the
 * migrations: empty when migrations and entities agree. A non-empty list is drift — an
 * entity change without its migration, or a migration the entities do not describe.
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query.trim());
}
