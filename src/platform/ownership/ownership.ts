/**
 * The ownership rule every context with owned resources applies (files, projects, tickets):
 * a user reaches their own, an admin everyone's. Framework-free; unknown and forbidden ids
 * answer alike (404) in the contexts, so ids do not leak.
 */
export interface Actor {
  id: string;
  role: 'user' | 'admin';
}

export const isAdmin = (actor: Actor): boolean => actor.role === 'admin';

/** Whether the actor may see (and so change or delete) a resource owned by `ownerId`. */
export function canAccess(actor: Actor, ownerId: string): boolean {
  return isAdmin(actor) || actor.id === ownerId;
}

/**
 * The owner restriction a list query must apply: the actor's own id for a user (whatever
 * `owner_id` filter they sent: asking for someone else's gives an empty list, not an error),
 * the requested owner (or none) for an admin. `null` means no restriction.
 */
export function listOwnerScope(actor: Actor, requestedOwnerId?: string): { ownerIds: string[] } | null {
  if (isAdmin(actor)) return requestedOwnerId === undefined ? null : { ownerIds: [requestedOwnerId] };
  if (requestedOwnerId !== undefined && requestedOwnerId !== actor.id) return { ownerIds: [] };
  return { ownerIds: [actor.id] };
}
