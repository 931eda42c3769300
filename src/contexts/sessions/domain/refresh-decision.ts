/**
 * What to do with a presented refresh token. Pure: the caller loads the state under a row
 * lock and applies the decision.
 */
export type RefreshDecision =
  | { kind: 'rotate' }
  /** The token is the immediate parent of the current one, presented inside the grace window (multi-tab race). */
  | { kind: 'grace_rotate' }
  | { kind: 'reuse_detected' }
  | { kind: 'session_revoked' }
  | { kind: 'session_expired'; reason: 'idle' | 'lifetime' };

export interface RefreshState {
  now: Date;
  /** When the presented token was rotated (null while it is the current one). */
  tokenUsedAt: Date | null;
  /** True when the token's child is the session's current (unused) token. */
  isParentOfCurrent: boolean;
  sessionRevokedAt: Date | null;
  sessionExpiresAt: Date;
  sessionLastUsedAt: Date;
  idleTimeoutSeconds: number;
  reuseGraceSeconds: number;
}

export function decideRefresh(s: RefreshState): RefreshDecision {
  if (s.sessionRevokedAt) return { kind: 'session_revoked' };
  if (s.now >= s.sessionExpiresAt) return { kind: 'session_expired', reason: 'lifetime' };
  if (s.now.getTime() >= idleDeadline(s.sessionLastUsedAt, s.idleTimeoutSeconds).getTime()) {
    return { kind: 'session_expired', reason: 'idle' };
  }
  if (s.tokenUsedAt === null) return { kind: 'rotate' };
  const sinceRotation = (s.now.getTime() - s.tokenUsedAt.getTime()) / 1000;
  if (s.reuseGraceSeconds > 0 && s.isParentOfCurrent && sinceRotation <= s.reuseGraceSeconds) return { kind: 'grace_rotate' };
  return { kind: 'reuse_detected' };
}

export function idleDeadline(lastUsedAt: Date, idleTimeoutSeconds: number): Date {
  return new Date(lastUsedAt.getTime() + idleTimeoutSeconds * 1000);
}

/** When a session stops being usable: the earlier of its absolute and idle deadlines. */
export function sessionExpiry(expiresAt: Date, lastUsedAt: Date, idleTimeoutSeconds: number): Date {
  const idle = idleDeadline(lastUsedAt, idleTimeoutSeconds);
  return idle < expiresAt ? idle : expiresAt;
}

/** A refresh from another network or client than the one that logged in. */
export function isSuspiciousRefresh(
  session: { ip: string | null; userAgent: string | null },
  request: { ip: string | null; userAgent: string | null },
): { suspicious: boolean; ipChanged: boolean; userAgentChanged: boolean } {
  const ipChanged = !!session.ip && !!request.ip && session.ip !== request.ip;
  const userAgentChanged = (session.userAgent ?? '') !== (request.userAgent ?? '');
  return { suspicious: ipChanged || userAgentChanged, ipChanged, userAgentChanged };
}
