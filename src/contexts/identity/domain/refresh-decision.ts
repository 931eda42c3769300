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

export interface RefreshSuspicion {
  suspicious: boolean;
  ipChanged: boolean;
  userAgentChanged: boolean;
}

/** A refresh from another network or client than the one that logged in. */
export function isSuspiciousRefresh(
  session: { ip: string | null; userAgent: string | null },
  request: { ip: string | null; userAgent: string | null },
): RefreshSuspicion {
  const ipChanged = !!session.ip && !!request.ip && session.ip !== request.ip;
  const userAgentChanged = (session.userAgent ?? '') !== (request.userAgent ?? '');
  return { suspicious: ipChanged || userAgentChanged, ipChanged, userAgentChanged };
}

/** Why a refresh ended its session, stored as the session's `revoked_reason`. */
export type RefreshRevocation = 'expired_idle' | 'expired_lifetime' | 'refresh_reuse' | 'suspicious_refresh';

/** Everything a refresh is decided on, read under the session's row lock. */
export interface RefreshFacts {
  now: Date;
  session: {
    id: string;
    userId: string;
    revokedAt: Date | null;
    expiresAt: Date;
    lastUsedAt: Date;
    ip: string | null;
    userAgent: string | null;
  };
  /** The presented token, as it is under the lock (a concurrent rotation may have used it meanwhile). */
  token: { id: string; usedAt: Date | null };
  /** The session's current (unused) token; looked up only when the presented one was used. */
  current: { id: string; parentId: string | null } | null;
  /** The client presenting the token. */
  client: { ip: string | null; userAgent: string | null };
  idleTimeoutSeconds: number;
  reuseGraceSeconds: number;
  /** SUSPICIOUS_REFRESH_POLICY: `deny` ends the session instead of rotating it. */
  suspiciousRefreshPolicy: 'allow_and_flag' | 'deny';
}

/**
 * What a refresh comes to: what is written in its transaction, what is reported once it has
 * committed, and the answer.
 */
export type RefreshOutcome =
  /** No token has the presented hash: refused, nothing changes. */
  | { kind: 'unknown_token' }
  /** The session had been revoked already: refused, nothing changes. */
  | { kind: 'session_revoked' }
  /** The session ends now, for `reason`: refused. `suspicion` is set when the client was the reason. */
  | {
      kind: 'session_ended';
      sessionId: string;
      userId: string;
      reason: RefreshRevocation;
      suspicion: RefreshSuspicion | null;
    }
  /**
   * A child of the presented token becomes the current one. `retireTokenId` is marked used: the
   * presented token, or on a grace rotation the current one it raced with.
   */
  | {
      kind: 'rotated';
      sessionId: string;
      userId: string;
      retireTokenId: string | null;
      grace: boolean;
      suspicion: RefreshSuspicion;
    };

/** Decides a refresh (see `decideRefresh`) and, for a rotation, checks the client against the session's. */
export function refreshOutcome(f: RefreshFacts): RefreshOutcome {
  const decision = decideRefresh({
    now: f.now,
    tokenUsedAt: f.token.usedAt,
    isParentOfCurrent: f.current?.parentId === f.token.id,
    sessionRevokedAt: f.session.revokedAt,
    sessionExpiresAt: f.session.expiresAt,
    sessionLastUsedAt: f.session.lastUsedAt,
    idleTimeoutSeconds: f.idleTimeoutSeconds,
    reuseGraceSeconds: f.reuseGraceSeconds,
  });
  const session = { sessionId: f.session.id, userId: f.session.userId };
  switch (decision.kind) {
    case 'session_revoked':
      return { kind: 'session_revoked' };
    case 'session_expired':
      return { kind: 'session_ended', ...session, reason: `expired_${decision.reason}`, suspicion: null };
    case 'reuse_detected':
      return { kind: 'session_ended', ...session, reason: 'refresh_reuse', suspicion: null };
    case 'rotate':
    case 'grace_rotate': {
      const suspicion = isSuspiciousRefresh(f.session, f.client);
      if (suspicion.suspicious && f.suspiciousRefreshPolicy === 'deny') {
        return { kind: 'session_ended', ...session, reason: 'suspicious_refresh', suspicion };
      }
      const grace = decision.kind === 'grace_rotate';
      return { kind: 'rotated', ...session, retireTokenId: grace ? (f.current?.id ?? null) : f.token.id, grace, suspicion };
    }
  }
}
