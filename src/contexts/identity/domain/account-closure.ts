/**
 * The rules of closing an account, framework-free.
 *
 * A closed account waits out its grace period (`deletion_due_at`), then is erased: its row
 * stays, under a pseudonymous address, as the id the audit trail points at.
 */

/** The address an erased account keeps: unique, obviously not deliverable (`.invalid`, RFC 2606). */
export function erasedEmail(userId: string): string {
  return `${userId.toLowerCase()}@erased.invalid`;
}

export interface ClosureState {
  erasedAt: Date | null;
  deletionDueAt: Date | null;
  deletionRequestedBy: string | null;
  id: string;
}

/**
 * Whether signing in reopens the account: only a closing its owner asked for (an admin's
 * closing stays), and only before the grace period ends (after it, the erasure may be running).
 */
export function isCancellableBySignIn(user: ClosureState, now: Date): boolean {
  return (
    user.erasedAt === null &&
    user.deletionDueAt !== null &&
    user.deletionDueAt.getTime() > now.getTime() &&
    user.deletionRequestedBy !== null &&
    user.deletionRequestedBy.toLowerCase() === user.id.toLowerCase()
  );
}
