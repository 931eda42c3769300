/**
 * `npm run migration:check`: on a fresh database (on the server of DATABASE_URL, or the
 * embedded PostgreSQL), run every migration, then ask TypeORM what it would still change to
 * match the entities. Anything at all fails the build with the SQL that is missing.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { parseEnvironment } from '../src/platform/config/environment';
import { dataSourceOptions } from '../src/platform/database/data-source-options';
import { resolveDatabaseUrl } from '../src/platform/database/resolve-database-url';
import { pendingSchemaChanges } from '../src/platform/database/schema-drift';

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  const env = parseEnvironment(process.env);
  const { url, embedded } = await resolveDatabaseUrl(env);
  const name = `bastion_migration_check_${randomBytes(4).toString('hex')}`;
  await admin(url, `CREATE DATABASE "${name}"`);
  const dataSource = new DataSource({
    ...dataSourceOptions(withDatabase(url, name), 2),
    entities: [join(__dirname, '..', 'src', '**', '*.entity.{ts,js}')],
  });
  try {
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    const pending = await pendingSchemaChanges(dataSource);
    if (pending.length > 0) {
      process.stderr.write(
        `Schema drift: after ${applied.length} migrations the entities still need:\n\n${pending.map((q) => `  ${q};`).join('\n')}\n\n` +
          'Write a migration for it (npm run migration:generate -- migrations/<Name>) and list it in migrations/index.ts.\n',
      );
      return 1;
    }
    process.stdout.write(`Migrations and entities agree (${applied.length} migrations, no pending changes).\n`);
    return 0;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await admin(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`migration:check failed: ${String(error instanceof Error ? error.stack : error)}\n`);
    process.exit(2);
  },
);
