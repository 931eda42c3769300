import type { Repository } from 'typeorm';
import type { UserEntity } from './user.entity';

/** The account a login names, and whether it has a second factor to ask for. */
export interface SigningInUser {
  user: UserEntity;
  /** TOTP is enabled (`user_mfa.enabled_at` set): the login's second step must read the factor. */
  mfaEnabled: boolean;
}

/**
 * The user with `email`, and whether MFA is on, in one statement: most accounts have no
 * second factor, and their logins then skip the factor's read (one round trip fewer).
 */
export async function findSigningInUser(users: Repository<UserEntity>, email: string): Promise<SigningInUser | null> {
  const { entities, raw } = await users
    .createQueryBuilder('u')
    .addSelect('EXISTS (SELECT 1 FROM "user_mfa" m WHERE m."user_id" = u."id" AND m."enabled_at" IS NOT NULL)', 'mfa_enabled')
    .where('u.email = :email', { email })
    .limit(1)
    .getRawAndEntities<{ mfa_enabled: boolean }>();
  const [user] = entities;
  return user ? { user, mfaEnabled: raw[0].mfa_enabled === true } : null;
}
