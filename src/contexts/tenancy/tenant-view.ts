import { type InvitationRole, type InvitationStatus, invitationStatus } from './domain/invitations';
import { quotasOf, type TenantQuotas } from './domain/quotas';
import type { TenantRole } from './domain/roles';
import { settingsOf, type TenantSettings } from './domain/settings';
import type { TenantStatus } from './domain/tenant';
import type { AdminTenantRow, InvitationRow, MemberRow, MemberTenantRow, TenantRow } from './infra/tenancy.store';

/** A tenant as its members see it (`role`: the caller's). */
export interface TenantView {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  personal: boolean;
  role: TenantRole;
  settings: TenantSettings;
  quotas: TenantQuotas;
  created_at: string;
  updated_at: string;
}

/** A tenant as platform admins see it: no role of theirs, but how many members it has. */
export interface AdminTenantView extends Omit<TenantView, 'role'> {
  member_count: number;
}

export interface MemberView {
  user_id: string;
  email: string;
  display_name: string | null;
  role: TenantRole;
  joined_at: string;
}

/** An invitation as the tenant's owners and admins see it (never its token). */
export interface InvitationView {
  id: string;
  email: string;
  role: InvitationRole;
  /** Who sent it; null once that account is gone. */
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  status: InvitationStatus;
}

/** What accepting an invitation answers: the new membership, and the tenant as its new member sees it. */
export interface AcceptedInvitationView {
  tenant_id: string;
  user_id: string;
  role: TenantRole;
  joined_at: string;
  tenant: TenantView;
}

function common(row: TenantRow): Omit<TenantView, 'role'> {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    personal: row.personal_owner_id !== null,
    settings: settingsOf(row.settings),
    quotas: quotasOf(row.quotas),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function toTenantView(row: MemberTenantRow): TenantView {
  const { settings, quotas, created_at, updated_at, ...head } = common(row);
  return { ...head, role: row.role, settings, quotas, created_at, updated_at };
}

export function toAdminTenantView(row: AdminTenantRow): AdminTenantView {
  return { ...common(row), member_count: row.member_count };
}

export function toMemberView(row: MemberRow): MemberView {
  return {
    user_id: row.user_id,
    email: row.email,
    display_name: row.display_name,
    role: row.role,
    joined_at: row.joined_at.toISOString(),
  };
}

/** `now`: the time the status is read at (pending or expired). */
export function toInvitationView(row: InvitationRow, now: Date): InvitationView {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invited_by: row.invited_by,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    status: invitationStatus(row, now),
  };
}
