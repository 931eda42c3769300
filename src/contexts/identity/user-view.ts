import type { Role, UserEntity } from './infra/user.entity';

/** A user as the API shows it (never the password hash). */
export interface UserView {
  id: string;
  email: string;
  display_name: string | null;
  role: Role;
  is_active: boolean;
  /** The owner proved the address is theirs (a verification link). */
  email_verified: boolean;
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
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
  };
}
