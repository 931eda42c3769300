/** The baseline's database: a throw-away `bastion_bench_<random>` on the DATABASE_URL server, or on the embedded PostgreSQL without it. */
import { randomBytes } from 'node:crypto';
import type { Environment } from '../../../src/platform/config';
import { startEmbeddedPostgres } from '../../../src/platform/database/embedded-postgres';
import { createThrowawayDatabase } from '../throwaway-database';

export interface BenchDatabase {
  url: string;
  /** Where it is, for the log and the report. */
  label: string;
  version: string;
  /** Drops the database (and stops the embedded server if this run started it). */
  drop(): Promise<void>;
}

export async function createBenchDatabase(env: Environment): Promise<BenchDatabase> {
  const embedded = env.databaseUrl ? undefined : await startEmbeddedPostgres(env.embeddedPgDir, { port: env.embeddedPgPort });
  const serverUrl = env.databaseUrl ?? embedded!.url;
  const name = `bastion_bench_${randomBytes(5).toString('hex')}`;
  const database = await createThrowawayDatabase(serverUrl, name);
  const url = new URL(database.url);
  return {
    url: database.url,
    label: `${embedded ? `embedded PostgreSQL (${embedded.dataDir})` : `DATABASE_URL server ${url.hostname}:${url.port || 5432}`}, database ${name}`,
    version: database.serverVersion,
    drop: async () => {
      await database.drop();
      if (embedded?.owned) await embedded.stop();
    },
  };
}
