import type { Environment } from '../config/environment';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';

export interface ResolvedDatabase {
  url: string;
  embedded?: EmbeddedPostgresHandle;
}

/**
 * `DATABASE_URL` when set; otherwise (never in production, the config forbids it) a real
 * PostgreSQL from `embedded-postgres` with its data in `EMBEDDED_PG_DIR`.
 */
export async function resolveDatabaseUrl(
  env: Pick<Environment, 'databaseUrl' | 'appEnv' | 'embeddedPgDir' | 'embeddedPgPort'>,
  log: (message: string) => void = () => undefined,
): Promise<ResolvedDatabase> {
  if (env.databaseUrl) return { url: env.databaseUrl };
  if (env.appEnv === 'production') throw new Error('DATABASE_URL is required in production');
  const embedded = await startEmbeddedPostgres(env.embeddedPgDir, { port: env.embeddedPgPort, log });
  const url = await ensureDatabase(embedded.url, 'bastion');
  return { url, embedded };
}
