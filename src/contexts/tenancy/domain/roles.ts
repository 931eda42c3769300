import { TenancyError } from './tenancy.errors';

/** A member's role in one tenant (independent of the platform role `user`/`admin`). */
export const TENANT_ROLES = ['owner', 'admin', 'member'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/** The roles an invitation may grant (owners are made, never invited). */
export const INVITABLE_ROLES = ['admin', 'member'] as const satisfies readonly TenantRole[];

/** What a member may ask of their tenant. */
export const TENANT_ACTIONS = ['read', 'rename', 'configure', 'delete', 'read_members', 'manage_members'] as const;
export type TenantAction = (typeof TENANT_ACTIONS)[number];

/**
 * - `owner`: everything, settings and deleting the tenant included;
 * - `admin`: rename the tenant and manage members (except owners, see `assertMayChangeRole`);
 * - `member`: read the tenant and its members.
 */
export const ROLE_GRANTS: Readonly<Record<TenantRole, readonly TenantAction[]>> = {
  owner: TENANT_ACTIONS,
  admin: ['read', 'rename', 'read_members', 'manage_members'],
  member: ['read', 'read_members'],
};

export function can(role: TenantRole, action: TenantAction): boolean {
  return ROLE_GRANTS[role].includes(action);
}

/** @throws TenancyError 403 forbidden when `role` does not grant `action` */
export function assertCan(role: TenantRole, action: TenantAction): void {
  if (!can(role, action)) throw TenancyError.forbidden();
}

/**
 * Whether a member with role `actor` may give a member whose role is `from` the role `to`:
 * owners may do anything; admins may move members between `admin` and `member`, but may
 * neither touch an owner nor make one; members may change no one (themselves included).
 * The last-owner rule is checked separately, against the tenant's owners at the time.
 * @throws TenancyError 403 forbidden
 */
export function assertMayChangeRole(actor: TenantRole, from: TenantRole, to: TenantRole): void {
  assertCan(actor, 'manage_members');
  if (actor !== 'owner' && (from === 'owner' || to === 'owner')) {
    throw TenancyError.forbidden('Only an owner can change an owner’s role or make someone an owner.');
  }
}

/**
 * Whether a member with role `actor` may remove a member whose role is `target`: anyone may
 * leave (`self`); owners may remove anyone; admins anyone but owners; members no one else.
 * @throws TenancyError 403 forbidden
 */
export function assertMayRemove(actor: TenantRole, target: TenantRole, self: boolean): void {
  if (self) return;
  assertCan(actor, 'manage_members');
  if (actor !== 'owner' && target === 'owner') throw TenancyError.forbidden('Only an owner can remove an owner.');
}

/** Whether a member with role `from`, changed to `to` (`null`: removed), stops being an owner. */
export function losesOwnership(from: TenantRole, to: TenantRole | null): boolean {
  return from === 'owner' && to !== 'owner';
}

/**
 * The last-owner rule: a change must leave the tenant at least one owner who is not losing
 * that role by it. Give it the owners as they stand under lock (`FOR UPDATE`) inside the
 * transaction that makes the change, so two parallel demotions cannot both pass.
 *
 * @param owners the tenant's current owners' user ids
 * @param leaving the user ids that stop being owners by this change
 * @throws TenancyError 409 last_owner
 */
export function assertOwnersRemain(owners: readonly string[], leaving: readonly string[]): void {
  if (leaving.length === 0) return;
  const gone = new Set(leaving.map((id) => id.toLowerCase()));
  if (owners.every((id) => gone.has(id.toLowerCase()))) throw TenancyError.lastOwner();
}
