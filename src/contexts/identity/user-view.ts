import type { Role, UserEntity } from './infra/user.entity';

/**
 * Where an account stands: `invited` (an admin opened it; inactive until accepted), `active`,
 * `inactive` (deactivated by an admin), `deletion_pending` (closed; erased at
 * `deletion_due_at` unless its owner signs in before), `erased` (only the pseudonym is left).
 */
export const ACCOUNT_STATUSES = ['invited', 'active', 'inactive', 'deletion_pending', 'erased'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export function accountStatus(
  user: Pick<UserEntity, 'isActive' | 'invitedAt' | 'deletionDueAt' | 'erasedAt' | 'passwordChangedAt' | 'lastLoginAt'>,
): AccountStatus {
  if (user.erasedAt) return 'erased';
  if (user.deletionDueAt) return 'deletion_pending';
  if (user.isActive) return 'active';
  return user.invitedAt && !user.lastLoginAt && !user.passwordChangedAt ? 'invited' : 'inactive';
}

/** A user as the API shows it (never the password hash). */
export interface UserView {
  id: string;
  email: string;
  display_name: string | null;
  role: Role;
  is_active: boolean;
  /** The owner proved the address is theirs (a verification link). */
  email_verified: boolean;
  status: AccountStatus;
  /** When a closed account will be erased (null unless `status` is `deletion_pending`). */
  deletion_due_at: string | null;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export function toUserView(user: UserEntity): UserView {
  return {
    id: user.id,
    email: user.email,
    display_name: user.displayName,
    role: user.role,
    is_active: user.isActive,
    email_verified: user.emailVerifiedAt !== null,
    status: accountStatus(user),
    deletion_due_at: user.erasedAt ? null : (user.deletionDueAt?.toISOString() ?? null),
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
  };
}
