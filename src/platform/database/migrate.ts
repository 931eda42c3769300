/**
 * The compiled migration entry point, for images and release steps where ts-node (a
 * devDependency) is not installed:
 *
 *   node dist/src/platform/database/migrate.js [run|show|revert]
 *
 * - `run` (default): applies every pending migration, each in its own transaction.
 * - `show`: lists applied (`[X]`), pending (`[ ]`) and applied-but-unknown (`[?]`, left by a newer
 *   version) migrations; exit 0.
 * - `revert`: undoes the most recent migration (every migration has a `down`).
 *
 * Reads `DATABASE_URL` only (no `.env`, no JWT or MFA secrets: a release step should not
 * need the application's secrets). Outside production without it, it works on the embedded
 * PostgreSQL in `EMBEDDED_PG_DIR`, like `npm run migration:*`. A session-level advisory lock
 * makes concurrent runs (two release jobs, a retried job) wait for each other instead of
 * racing on the same migration. Exit codes: 0 done, 1 a migration failed, 2 bad usage or
 * configuration.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { resolveDatabaseUrl } from './resolve-database-url';

export const MIGRATION_LOCK_KEY = 'bastion:migrations';
export const COMMANDS = ['run', 'show', 'revert'] as const;
export type MigrateCommand = (typeof COMMANDS)[number];

export class UsageError extends Error {}

type Write = (line: string) => void;

/** Checks the argument list: one optional command, nothing else. */
export function parseCommand(argv: string[]): MigrateCommand {
  if (argv.length > 1) throw new UsageError(`expected at most one command (${COMMANDS.join('|')}), got: ${argv.join(' ')}`);
  const command = argv[0] ?? 'run';
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command "${command}" (expected ${COMMANDS.join('|')})`);
  }
  return command as MigrateCommand;
}

/** `DATABASE_URL` when set (validated); outside production the embedded cluster, like the app. */
async function databaseFromEnvironment(
  env: Record<string, string | undefined>,
  write: Write,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const raw = env.DATABASE_URL?.trim();
  if (raw) {
    const protocol = URL.canParse(raw) ? new URL(raw).protocol : undefined;
    if (protocol === undefined) throw new UsageError('DATABASE_URL is not a valid URL');
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') throw new UsageError('DATABASE_URL must be a postgres:// URL');
    return { url: raw, stop: () => Promise.resolve() };
  }
  const appEnv = env.APP_ENV?.trim() || 'development';
  if (appEnv === 'production') throw new UsageError('DATABASE_URL is required in production');
  const port = Number(env.EMBEDDED_PG_PORT?.trim() || '0');
  const resolved = await resolveDatabaseUrl(
    {
      databaseUrl: undefined,
      appEnv: appEnv === 'test' ? 'test' : 'development',
      embeddedPgDir: env.EMBEDDED_PG_DIR?.trim() || 'db_files/postgres',
      embeddedPgPort: Number.isInteger(port) ? port : 0,
    },
    () => undefined,
  );
  write(`Using the embedded PostgreSQL in ${resolved.embedded?.dataDir ?? 'db_files/postgres'}`);
  return { url: resolved.url, stop: () => (resolved.embedded?.owned ? resolved.embedded.stop() : Promise.resolve()) };
}

/** Runs one command against `url`, holding the migration lock for its whole duration. */
export async function migrate(url: string, command: MigrateCommand, write: Write): Promise<void> {
  const lock = new Client({ connectionString: url, application_name: 'bastion-migrate-lock' });
  await lock.connect();
  const dataSource = new DataSource({ ...dataSourceOptions(url, 1), extra: { max: 1, application_name: 'bastion-migrate' } });
  try {
    const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      MIGRATION_LOCK_KEY,
    ]);
    if (!rows[0]?.locked) {
      write('Another migration run holds the lock: waiting for it to finish');
      await lock.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK_KEY]);
    }
    await dataSource.initialize();
    if (command === 'run') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      for (const migration of applied) write(`Applied ${migration.name}`);
      write(applied.length === 0 ? 'No pending migrations' : `${applied.length} migration(s) applied`);
    } else if (command === 'revert') {
      const before = await appliedNames(dataSource);
      await dataSource.undoLastMigration({ transaction: 'each' });
      const after = await appliedNames(dataSource);
      const reverted = before.filter((name) => !after.includes(name));
      write(reverted.length === 0 ? 'Nothing to revert' : `Reverted ${reverted.join(', ')}`);
    } else {
      const applied = await appliedNames(dataSource);
      const known = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
      let pending = 0;
      for (const name of known) {
        if (!applied.includes(name)) pending += 1;
        write(`${applied.includes(name) ? '[X]' : '[ ]'} ${name}`);
      }
      // Applied by a newer version (after a rollback): this version's code does not know them.
      const unknown = applied.filter((name) => !known.includes(name));
      for (const name of unknown) write(`[?] ${name} (applied, unknown to this version)`);
      write(`${pending} pending${unknown.length > 0 ? `, ${unknown.length} unknown to this version` : ''}`);
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    // Ending the session releases the advisory lock.
    await lock.end();
  }
}

async function appliedNames(dataSource: DataSource): Promise<string[]> {
  const exists = await dataSource.query<{ found: string | null }[]>(`SELECT to_regclass('migrations') AS found`);
  if (!exists[0]?.found) return [];
  const rows = await dataSource.query<{ name: string }[]>('SELECT name FROM migrations ORDER BY id');
  return rows.map((r) => r.name);
}

export async function main(
  argv = process.argv.slice(2),
  env: Record<string, string | undefined> = process.env,
  out: Write = (line) => process.stdout.write(`${line}\n`),
  err: Write = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  let command: MigrateCommand;
  let database: { url: string; stop: () => Promise<void> };
  try {
    command = parseCommand(argv);
    database = await databaseFromEnvironment(env, out);
  } catch (error) {
    err(`migrate: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  try {
    await migrate(database.url, command, out);
    return 0;
  } catch (error) {
    err(`migrate ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await database.stop();
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
