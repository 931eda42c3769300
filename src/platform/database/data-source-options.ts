import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../../migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/**
 * Entities are registered by each module (`TypeOrmModule.forFeature`, `autoLoadEntities`);
 * the CLI adds them by glob. Migrations are listed explicitly in `migrations/index.ts`.
 *
 * The one set of DataSource options shared by the app (TypeOrmModule) and the migration
 * CLI, so that both see the same entities, migrations and naming.
 */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    // gen_random_uuid() is built into PostgreSQL 13+; no uuid-ossp extension needed.
    uuidExtension: 'pgcrypto',
    url,
    namingStrategy: new SnakeNamingStrategy(),
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: poolSize, application_name: 'bastion' },
  };
}

/**
 * Time bounds of the app's pool (not the migration CLI's): waiting for a connection, a
 * statement on the server, and an answer on the wire (a server that stopped answering without
 * closing the socket). Each failure surfaces as an error the HTTP layer answers with 503.
 */
export function poolTimeouts(connectTimeoutMs: number, statementTimeoutMs: number): Record<string, number> {
  const bounds: Record<string, number> = { connectionTimeoutMillis: connectTimeoutMs };
  if (statementTimeoutMs > 0) {
    bounds.statement_timeout = statementTimeoutMs;
    // The client-side bound: a little longer, so the server's own cancel normally wins.
    bounds.query_timeout = statementTimeoutMs + 2000;
  }
  return bounds;
}
