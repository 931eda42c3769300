import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { Environment } from '../config/environment';
import { migrate } from './migrate';
import { resolveDatabaseUrl, type ResolvedDatabase } from './resolve-database-url';
import { prepareRuntimeRole, rowSecurityProblem, rowSecurityStanding } from './runtime-role';

/**
 * Owns where the database lives: `DATABASE_URL`, or an embedded PostgreSQL this process
 * started. On shutdown it closes the pool first, then stops the embedded cluster, so no
 * query is cut off by a vanishing server.
 *
 * With a runtime role (`DB_RUNTIME_ROLE`, see `runtime-role.ts`) it also runs the migrations
 * as the login, then provisions the role, before the pool opens as that role. At bootstrap it
 * checks that the queries' role cannot bypass row-level security: production refuses to start
 * when it can, other environments say so in a warning.
 */
export class DatabaseRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private static readonly logger = new Logger('Database');

  private constructor(
    private readonly resolved: ResolvedDatabase,
    private readonly moduleRef: ModuleRef,
    private readonly env: Environment,
    /** The role the pool's connections switch to, or null (they run as the login). */
    readonly runtimeRole: string | null,
  ) {}

  static async create(env: Environment, moduleRef: ModuleRef): Promise<DatabaseRuntime> {
    const resolved = await resolveDatabaseUrl(env, (message) => DatabaseRuntime.logger.debug(message));
    if (resolved.embedded) {
      const where = resolved.embedded.owned
        ? `started in ${env.embeddedPgDir}`
        : `joined the one running in ${env.embeddedPgDir}`;
      DatabaseRuntime.logger.log(`Embedded PostgreSQL ${where} (${redactUrl(resolved.url)})`);
    }
    let runtimeRole: string | null = null;
    if (env.dbRuntimeRole) {
      // Migrations first, as the login: the runtime role may only read and write rows.
      if (env.dbMigrateOnStart) await migrate(resolved.url, 'run', (line) => DatabaseRuntime.logger.debug(line));
      runtimeRole = await prepareRuntimeRole(resolved.url, env.dbRuntimeRole.name, env.dbRuntimeRole.onlyForPrivilegedLogin);
    }
    return new DatabaseRuntime(resolved, moduleRef, env, runtimeRole);
  }

  /** Whether the pool runs the migrations (not when they ran already, before a runtime role). */
  get migrateWithPool(): boolean {
    return this.env.dbMigrateOnStart && !this.env.dbRuntimeRole;
  }

  async onApplicationBootstrap(): Promise<void> {
    const problem = rowSecurityProblem(await rowSecurityStanding(this.moduleRef.get(DataSource, { strict: false })));
    if (!problem) return;
    if (this.env.appEnv === 'production') {
      throw new Error(`Bastion refuses to start: ${problem}. Connect as bastion_app (docs/operations/database-roles.md)`);
    }
    DatabaseRuntime.logger.warn(`Row-level security is not enforced: ${problem} (DB_RUNTIME_ROLE=none?)`);
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
