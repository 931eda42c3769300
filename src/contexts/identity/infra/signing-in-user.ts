import type { DeepPartial, EntityMetadata, Repository } from 'typeorm';
import { preparedQuery } from '../../../platform/database/prepared';
import type { UserEntity } from './user.entity';

/** The account a login names, and whether it has a second factor to ask for. */
export interface SigningInUser {
  user: UserEntity;
  /** TOTP is enabled (`user_mfa.enabled_at` set): the login's second step must read the factor. */
  mfaEnabled: boolean;
}

const statements = new WeakMap<EntityMetadata, string>();

/** Every column of the entity under its property name, and the MFA flag; written once per entity metadata. */
function signingInSql(metadata: EntityMetadata): string {
  let sql = statements.get(metadata);
  if (!sql) {
    const columns = metadata.columns.map((c) => `"u"."${c.databaseName}" AS "${c.propertyName}"`).join(', ');
    sql =
      `SELECT ${columns}, ` +
      'EXISTS (SELECT 1 FROM "user_mfa" m WHERE m."user_id" = "u"."id" AND m."enabled_at" IS NOT NULL) AS "mfaEnabled" ' +
      `FROM "${metadata.tableName}" "u" WHERE "u"."email" = $1 LIMIT 1`;
    statements.set(metadata, sql);
  }
  return sql;
}

/**
 * The user with `email`, and whether MFA is on, in one statement: most accounts have no
 * second factor, and their logins then skip the factor's read (one round trip fewer). Every
 * login sends it: a prepared statement, its row made an entity by the repository.
 */
export async function findSigningInUser(users: Repository<UserEntity>, email: string): Promise<SigningInUser | null> {
  const [row] = await preparedQuery<Record<string, unknown> & { mfaEnabled: boolean }>(
    users.manager,
    'find_signing_in_user',
    signingInSql(users.metadata),
    [email],
  );
  if (!row) return null;
  const { mfaEnabled, ...columns } = row;
  return { user: users.create(columns as DeepPartial<UserEntity>), mfaEnabled: mfaEnabled === true };
}
