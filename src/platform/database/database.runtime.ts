import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { Environment } from '../config/environment';
import { resolveDatabaseUrl, type ResolvedDatabase } from './resolve-database-url';

/**
 * Owns where the database lives: `DATABASE_URL`, or an embedded PostgreSQL this process
 * started. On shutdown it closes the pool first, then stops the embedded cluster, so no
 * query is cut off by a vanishing server.
 */
export class DatabaseRuntime implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');

  private constructor(
    private readonly resolved: ResolvedDatabase,
    private readonly moduleRef: ModuleRef,
  ) {}

  static async create(env: Environment, moduleRef: ModuleRef): Promise<DatabaseRuntime> {
    const resolved = await resolveDatabaseUrl(env, (message) => DatabaseRuntime.logger.debug(message));
    if (resolved.embedded) {
      const where = resolved.embedded.owned
        ? `started in ${env.embeddedPgDir}`
        : `joined the one running in ${env.embeddedPgDir}`;
      DatabaseRuntime.logger.log(`Embedded PostgreSQL ${where} (${redactUrl(resolved.url)})`);
    }
    return new DatabaseRuntime(resolved, moduleRef);
  }

  get url(): string {
    return this.resolved.url;
  }

  get embedded(): boolean {
    return this.resolved.embedded !== undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    const dataSource = this.moduleRef.get(DataSource, { strict: false });
    if (dataSource.isInitialized) await dataSource.destroy();
    if (this.resolved.embedded?.owned) {
      await this.resolved.embedded.stop();
      DatabaseRuntime.logger.log('Embedded PostgreSQL stopped');
    }
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
