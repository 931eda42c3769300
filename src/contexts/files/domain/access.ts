/** Who may see what: a user their own files, an admin everyone's. Framework-free. */
export interface Actor {
  id: string;
  role: 'user' | 'admin';
}

export const isAdmin = (actor: Actor): boolean => actor.role === 'admin';

/** Whether the actor may read (and delete) a file owned by `ownerId`. */
export function canAccess(actor: Actor, ownerId: string): boolean {
  return isAdmin(actor) || actor.id === ownerId;
}

/**
 * The owners a list is restricted to: a user's own id whatever `owner_id` they asked for
 * (someone else's gives an empty list), an admin's requested owner or everyone (`null`).
 */
export function listOwnerScope(actor: Actor, requestedOwnerId?: string): { ownerIds: string[] } | null {
  if (isAdmin(actor)) return requestedOwnerId === undefined ? null : { ownerIds: [requestedOwnerId] };
  if (requestedOwnerId !== undefined && requestedOwnerId !== actor.id) return { ownerIds: [] };
  return { ownerIds: [actor.id] };
}
