import type { DeepPartial, EntityMetadata, Repository } from 'typeorm';
import { preparedQuery } from '../../../platform/database/prepared';
import { lockoutColumns, type LockoutRow, lockoutSubject } from './login-lockout.store';
import type { UserEntity } from './user.entity';

/** The account a login names, and whether it has a second factor to ask for. */
export interface SigningInUser {
  user: UserEntity;
  /** TOTP is enabled (`user_mfa.enabled_at` set): the login's second step must read the factor. */
  mfaEnabled: boolean;
}

/** What a password login reads before it checks the password. */
export interface LoginSubject {
  /** The email's lockout row (`login_lockouts`, kept per email, registered or not). */
  lockout: LockoutRow | null;
  signingIn: SigningInUser | null;
}

const statements = new WeakMap<EntityMetadata, string>();

/** Prefix of the lockout row's columns in the login's read. */
const LOCKOUT = 'lockout.';

/**
 * Every column of the user under its property name, the MFA flag, and the email's lockout row
 * (one row always: a half is null where its join matched nothing). Written once per entity metadata.
 */
function loginSubjectSql(metadata: EntityMetadata): string {
  let sql = statements.get(metadata);
  if (!sql) {
    const columns = metadata.columns.map((c) => `"u"."${c.databaseName}" AS "${c.propertyName}"`).join(', ');
    sql =
      `SELECT ${columns}, ` +
      'EXISTS (SELECT 1 FROM "user_mfa" m WHERE m."user_id" = "u"."id" AND m."enabled_at" IS NOT NULL) AS "mfaEnabled", ' +
      `${lockoutColumns('l', LOCKOUT)} FROM (VALUES (1)) AS one ("x") ` +
      `LEFT JOIN "${metadata.tableName}" "u" ON "u"."email" = $1 ` +
      'LEFT JOIN "login_lockouts" "l" ON "l"."subject_hash" = $2';
    statements.set(metadata, sql);
  }
  return sql;
}

/**
 * The email's lockout row and its user (with the MFA flag) in one statement: what a password
 * login reads before it checks the password, one round trip instead of two. Prepared.
 */
export async function readLoginSubject(users: Repository<UserEntity>, email: string): Promise<LoginSubject> {
  const [row] = await preparedQuery<Record<string, unknown>>(
    users.manager,
    'read_login_subject',
    loginSubjectSql(users.metadata),
    [email, lockoutSubject(email)],
  );
  const user: Record<string, unknown> = {};
  const lockout: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row ?? {})) {
    if (name.startsWith(LOCKOUT)) lockout[name.slice(LOCKOUT.length)] = value;
    else user[name] = value;
  }
  const { mfaEnabled, ...columns } = user;
  return {
    // Key columns are NOT NULL: null here means the join matched nothing.
    lockout: lockout.failedCount === null || lockout.failedCount === undefined ? null : (lockout as unknown as LockoutRow),
    signingIn:
      columns.id === null || columns.id === undefined
        ? null
        : { user: users.create(columns as DeepPartial<UserEntity>), mfaEnabled: mfaEnabled === true },
  };
}
