/**
 * The ownership rule every context with tenant-owned resources applies (projects, tickets,
 * files): inside a tenant, every member reads every item (the tenant scope and row-level
 * security decide which items those are), members change their own, the tenant's admins and
 * owners change all. Platform admins are not special here: they are members like anyone else,
 * or not members at all. Framework-free; unknown and unreachable ids answer alike (404).
 */
export type TenantRole = 'owner' | 'admin' | 'member';

/** Who acts, and their role in the tenant they act in. */
export interface Actor {
  id: string;
  tenantRole: TenantRole;
}

/** Whether the actor may change (or delete) an item of their tenant owned by `ownerId`. */
export function canChange(actor: Actor, ownerId: string): boolean {
  return actor.tenantRole !== 'member' || actor.id === ownerId;
}
