import { Client } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The role the application's queries run as.
 *
 * Row-level security does not apply to a superuser, to a role with `BYPASSRLS`, or (without
 * `FORCE`) to a table's owner. In production `DATABASE_URL` logs in as the least-privilege
 * `bastion_app` (docs/operations/database-roles.md). Elsewhere the login is usually the embedded
 * cluster's superuser, so the app provisions a `NOLOGIN` runtime role with nothing but DML on
 * the tables, and every pooled connection switches to it at connect (`-c role=…` in the startup
 * packet, the same as `SET ROLE`): development and tests run under the same rules as production.
 * Migrations run before that, as the login.
 */

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** The startup option that makes a connection run as `role`. */
export function runtimeRoleOptions(role: string): { options: string } {
  return { options: `-c role=${role}` };
}

/**
 * The role the app's queries should run as, provisioned: null when `onlyForPrivilegedLogin`
 * and the login cannot bypass row-level security anyway (a least-privilege login runs as
 * itself). Otherwise creates `role` if it is missing and grants it DML on every table and
 * sequence of the schema (run after the migrations, so new tables are included). Idempotent
 * and safe to run from several processes at once: the grants run under an advisory lock, and
 * a role created by another process at the same moment is fine.
 */
export async function prepareRuntimeRole(url: string, role: string, onlyForPrivilegedLogin: boolean): Promise<string | null> {
  const client = new Client({ connectionString: url, application_name: 'bastion-provision' });
  await client.connect();
  try {
    const login = await client.query<{ rolsuper: boolean; rolcreaterole: boolean; rolbypassrls: boolean }>(
      'SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user',
    );
    const { rolsuper, rolcreaterole, rolbypassrls } = login.rows[0] ?? {
      rolsuper: false,
      rolcreaterole: false,
      rolbypassrls: false,
    };
    if (onlyForPrivilegedLogin && !rolsuper && !rolbypassrls) return null;
    const exists = async () => ((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount ?? 0) > 0;
    if (!(await exists())) {
      if (!rolsuper && !rolcreaterole) {
        throw new Error(`DB_RUNTIME_ROLE "${role}" does not exist, and the database login may not create roles`);
      }
      await withRetries(() =>
        client.query(
          `DO $$ BEGIN CREATE ROLE ${quote(role)} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
        ),
      );
    }
    await client.query('BEGIN');
    try {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('bastion:runtime-role'))`);
      await client.query(`GRANT USAGE ON SCHEMA public TO ${quote(role)}`);
      await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${quote(role)}`);
      await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${quote(role)}`);
      // Tables the login creates later (a migration run by hand, a test's scratch table) get the same grants.
      await client.query(
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${quote(role)}`,
      );
      await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${quote(role)}`);
      if (!rolsuper) await client.query(`GRANT ${quote(role)} TO CURRENT_USER`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    return role;
  } finally {
    await client.end();
  }
}

/** Role creation is cluster-wide: two databases' apps starting together may collide once. */
async function withRetries<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

export interface RowSecurityStanding {
  role: string;
  superuser: boolean;
  bypassRls: boolean;
}

/** What the queries' role is: whether row-level security can be bypassed by it. */
export async function rowSecurityStanding(dataSource: DataSource): Promise<RowSecurityStanding> {
  const [row] = await dataSource.query<{ role: string; superuser: boolean; bypass: boolean }[]>(
    'SELECT current_user AS role, rolsuper AS superuser, rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user',
  );
  return { role: row.role, superuser: row.superuser, bypassRls: row.bypass };
}

/** Why a standing is not acceptable (a problem to refuse production on), or null. */
export function rowSecurityProblem(standing: RowSecurityStanding): string | null {
  if (standing.superuser) return `the database role "${standing.role}" is a superuser, which row-level security never applies to`;
  if (standing.bypassRls) return `the database role "${standing.role}" has BYPASSRLS`;
  return null;
}
