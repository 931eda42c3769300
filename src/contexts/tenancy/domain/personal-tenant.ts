import type { TenantRole } from './roles';
import { TenancyError } from './tenancy.errors';

/**
 * The personal tenant's rule (docs/tenancy.md, "The personal tenant"): it is one user's own
 * space, with one member, that user, its owner for as long as the account exists. Were anyone
 * else let in, they would read the user's data, and as an owner they could demote or remove the
 * user, who would then lose the tenant for good: requests without `X-Tenant-Id` enter it through
 * that membership, and it is made only once per user.
 *
 * `personalOwnerId` is the tenant's `personal_owner_id`: null for a shared tenant, which these
 * rules leave alone.
 */

/**
 * Nobody joins a personal tenant: inviting into one is refused, and so is accepting an
 * invitation into one (sent before this rule existed).
 * @throws TenancyError 409 personal_tenant
 */
export function assertAdmitsMembers(personalOwnerId: string | null): void {
  if (personalOwnerId !== null) throw TenancyError.personalTenantClosed();
}

/**
 * A membership change in a personal tenant keeps its owner its owner and makes nobody else one:
 * the owner is neither demoted nor removed (`to` null), by anyone, and no other member is
 * promoted to owner. Other members, whom only an earlier version could have let in, may still
 * be removed, leave, or move between `admin` and `member`.
 * @throws TenancyError 409 personal_tenant
 */
export function assertKeepsPersonalOwner(personalOwnerId: string | null, userId: string, to: TenantRole | null): void {
  if (personalOwnerId === null) return;
  const isPersonalOwner = personalOwnerId.toLowerCase() === userId.toLowerCase();
  if (isPersonalOwner ? to !== 'owner' : to === 'owner') throw TenancyError.personalTenantOwner();
}
