import {
  decideRefresh,
  idleDeadline,
  isSuspiciousRefresh,
  type RefreshFacts,
  refreshOutcome,
  type RefreshState,
  sessionExpiry,
} from './refresh-decision';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A healthy session: created at T0, last used a minute ago, 30-day lifetime, 1-day idle timeout, 30 s grace. */
function state(overrides: Partial<RefreshState> = {}): RefreshState {
  return {
    now: at(HOUR),
    tokenUsedAt: null,
    isParentOfCurrent: false,
    sessionRevokedAt: null,
    sessionExpiresAt: at(30 * DAY),
    sessionLastUsedAt: at(HOUR - MINUTE),
    idleTimeoutSeconds: DAY / SECOND,
    reuseGraceSeconds: 30,
    ...overrides,
  };
}

describe('decideRefresh', () => {
  describe('rotate', () => {
    it('rotates an unused token of a live session', () => {
      expect(decideRefresh(state())).toEqual({ kind: 'rotate' });
    });

    it('rotates an unused token even when grace is disabled', () => {
      expect(decideRefresh(state({ reuseGraceSeconds: 0 }))).toEqual({ kind: 'rotate' });
    });

    it('rotates 1 ms before the lifetime and idle deadlines', () => {
      expect(decideRefresh(state({ now: at(30 * DAY - 1), sessionLastUsedAt: at(29 * DAY) }))).toEqual({ kind: 'rotate' });
      expect(decideRefresh(state({ now: at(DAY - 1), sessionLastUsedAt: T0 }))).toEqual({ kind: 'rotate' });
    });
  });

  describe('session_revoked', () => {
    it('is returned for a revoked session', () => {
      expect(decideRefresh(state({ sessionRevokedAt: at(HOUR - SECOND) }))).toEqual({ kind: 'session_revoked' });
    });

    it('wins over lifetime expiry, idle expiry and reuse', () => {
      const everythingWrong = state({
        now: at(60 * DAY),
        sessionRevokedAt: at(HOUR),
        sessionExpiresAt: at(30 * DAY),
        sessionLastUsedAt: T0,
        tokenUsedAt: at(HOUR),
        isParentOfCurrent: false,
        reuseGraceSeconds: 0,
      });
      expect(decideRefresh(everythingWrong)).toEqual({ kind: 'session_revoked' });
    });

    it('wins over a would-be grace rotation', () => {
      const s = state({ sessionRevokedAt: at(HOUR - SECOND), tokenUsedAt: at(HOUR - SECOND), isParentOfCurrent: true });
      expect(decideRefresh(s)).toEqual({ kind: 'session_revoked' });
    });
  });

  describe('lifetime expiry', () => {
    it('expires exactly at expiresAt', () => {
      const s = state({ now: at(30 * DAY), sessionLastUsedAt: at(30 * DAY - MINUTE) });
      expect(decideRefresh(s)).toEqual({ kind: 'session_expired', reason: 'lifetime' });
    });

    it('expires after expiresAt', () => {
      const s = state({ now: at(30 * DAY + 1), sessionLastUsedAt: at(30 * DAY - MINUTE) });
      expect(decideRefresh(s)).toEqual({ kind: 'session_expired', reason: 'lifetime' });
    });

    it('is reported instead of idle when both deadlines have passed', () => {
      const s = state({ now: at(60 * DAY), sessionLastUsedAt: T0 });
      expect(decideRefresh(s)).toEqual({ kind: 'session_expired', reason: 'lifetime' });
    });

    it('is reported instead of reuse for a used token', () => {
      const s = state({ now: at(30 * DAY), sessionLastUsedAt: at(30 * DAY - MINUTE), tokenUsedAt: at(HOUR) });
      expect(decideRefresh(s)).toEqual({ kind: 'session_expired', reason: 'lifetime' });
    });
  });

  describe('idle expiry', () => {
    it('expires exactly at lastUsedAt + idle timeout', () => {
      const s = state({ now: at(DAY), sessionLastUsedAt: T0 });
      expect(decideRefresh(s)).toEqual({ kind: 'session_expired', reason: 'idle' });
    });

    it('expires after lastUsedAt + idle timeout', () => {
      const s = state({ now: at(DAY + 1), sessionLastUsedAt: T0 });
      expect(decideRefresh(s)).toEqual({ kind: 'session_expired', reason: 'idle' });
    });

    it('honours a short idle timeout', () => {
      const s = state({ now: at(HOUR), sessionLastUsedAt: at(HOUR - 10 * SECOND), idleTimeoutSeconds: 10 });
      expect(decideRefresh(s)).toEqual({ kind: 'session_expired', reason: 'idle' });
      expect(decideRefresh({ ...s, now: at(HOUR - 1) })).toEqual({ kind: 'rotate' });
    });

    it('is reported instead of reuse or grace for a used token', () => {
      const s = state({ now: at(DAY), sessionLastUsedAt: T0, tokenUsedAt: at(DAY - SECOND), isParentOfCurrent: true });
      expect(decideRefresh(s)).toEqual({ kind: 'session_expired', reason: 'idle' });
    });
  });

  describe('used tokens', () => {
    const rotatedAt = at(HOUR);

    it('detects reuse when grace is 0, even for the parent of current presented at once', () => {
      const s = state({ now: rotatedAt, tokenUsedAt: rotatedAt, isParentOfCurrent: true, reuseGraceSeconds: 0 });
      expect(decideRefresh(s)).toEqual({ kind: 'reuse_detected' });
    });

    it('detects reuse when grace is 0 and the token is not the parent of current', () => {
      const s = state({ now: at(HOUR + SECOND), tokenUsedAt: rotatedAt, isParentOfCurrent: false, reuseGraceSeconds: 0 });
      expect(decideRefresh(s)).toEqual({ kind: 'reuse_detected' });
    });

    it('grace-rotates the parent of current inside the grace window', () => {
      const s = state({ now: at(HOUR + 5 * SECOND), tokenUsedAt: rotatedAt, isParentOfCurrent: true, reuseGraceSeconds: 30 });
      expect(decideRefresh(s)).toEqual({ kind: 'grace_rotate' });
    });

    it('grace-rotates at the very moment of rotation', () => {
      const s = state({ now: rotatedAt, tokenUsedAt: rotatedAt, isParentOfCurrent: true, reuseGraceSeconds: 30 });
      expect(decideRefresh(s)).toEqual({ kind: 'grace_rotate' });
    });

    it('grace-rotates exactly at the end of the grace window', () => {
      const s = state({ now: at(HOUR + 30 * SECOND), tokenUsedAt: rotatedAt, isParentOfCurrent: true, reuseGraceSeconds: 30 });
      expect(decideRefresh(s)).toEqual({ kind: 'grace_rotate' });
    });

    it('detects reuse 1 ms after the grace window', () => {
      const s = state({
        now: at(HOUR + 30 * SECOND + 1),
        tokenUsedAt: rotatedAt,
        isParentOfCurrent: true,
        reuseGraceSeconds: 30,
      });
      expect(decideRefresh(s)).toEqual({ kind: 'reuse_detected' });
    });

    it('detects reuse for a used token that is not the parent of current, even inside grace', () => {
      const s = state({ now: at(HOUR + SECOND), tokenUsedAt: rotatedAt, isParentOfCurrent: false, reuseGraceSeconds: 30 });
      expect(decideRefresh(s)).toEqual({ kind: 'reuse_detected' });
    });

    it('detects reuse when grace is negative', () => {
      const s = state({ now: rotatedAt, tokenUsedAt: rotatedAt, isParentOfCurrent: true, reuseGraceSeconds: -1 });
      expect(decideRefresh(s)).toEqual({ kind: 'reuse_detected' });
    });
  });
});

describe('idleDeadline', () => {
  it('is lastUsedAt plus the idle timeout in seconds', () => {
    expect(idleDeadline(T0, 90)).toEqual(at(90 * SECOND));
    expect(idleDeadline(T0, DAY / SECOND)).toEqual(at(DAY));
  });

  it('is lastUsedAt itself for a zero timeout', () => {
    expect(idleDeadline(T0, 0)).toEqual(T0);
  });

  it('does not mutate its input', () => {
    const lastUsedAt = new Date(T0);
    const deadline = idleDeadline(lastUsedAt, 60);
    expect(lastUsedAt).toEqual(T0);
    expect(deadline).not.toBe(lastUsedAt);
  });
});

describe('sessionExpiry', () => {
  it('is the idle deadline when that comes first', () => {
    expect(sessionExpiry(at(30 * DAY), T0, DAY / SECOND)).toEqual(at(DAY));
  });

  it('is the absolute expiry when that comes first', () => {
    expect(sessionExpiry(at(30 * DAY), at(29 * DAY + HOUR), DAY / SECOND)).toEqual(at(30 * DAY));
  });

  it('is that instant when both deadlines coincide', () => {
    expect(sessionExpiry(at(DAY), T0, DAY / SECOND)).toEqual(at(DAY));
  });
});

describe('isSuspiciousRefresh', () => {
  const session = { ip: '203.0.113.7', userAgent: 'Firefox/140' };

  it('is not suspicious when ip and user agent are the same', () => {
    expect(isSuspiciousRefresh(session, { ...session })).toEqual({
      suspicious: false,
      ipChanged: false,
      userAgentChanged: false,
    });
  });

  it('flags an ip change', () => {
    expect(isSuspiciousRefresh(session, { ...session, ip: '198.51.100.1' })).toEqual({
      suspicious: true,
      ipChanged: true,
      userAgentChanged: false,
    });
  });

  it('flags a user agent change', () => {
    expect(isSuspiciousRefresh(session, { ...session, userAgent: 'curl/8.0' })).toEqual({
      suspicious: true,
      ipChanged: false,
      userAgentChanged: true,
    });
  });

  it('flags both changes together', () => {
    expect(isSuspiciousRefresh(session, { ip: '198.51.100.1', userAgent: 'curl/8.0' })).toEqual({
      suspicious: true,
      ipChanged: true,
      userAgentChanged: true,
    });
  });

  it('does not count a missing ip on the request as an ip change', () => {
    expect(isSuspiciousRefresh(session, { ...session, ip: null })).toEqual({
      suspicious: false,
      ipChanged: false,
      userAgentChanged: false,
    });
  });

  it('does not count a missing ip on the session as an ip change', () => {
    expect(isSuspiciousRefresh({ ...session, ip: null }, session)).toEqual({
      suspicious: false,
      ipChanged: false,
      userAgentChanged: false,
    });
  });

  it('does not count null on both sides as any change', () => {
    const anonymous = { ip: null, userAgent: null };
    expect(isSuspiciousRefresh(anonymous, { ...anonymous })).toEqual({
      suspicious: false,
      ipChanged: false,
      userAgentChanged: false,
    });
  });

  it('treats a null and an empty user agent as the same', () => {
    expect(isSuspiciousRefresh({ ...session, userAgent: null }, { ...session, userAgent: '' }).userAgentChanged).toBe(false);
  });

  it('counts a user agent appearing or disappearing as a change', () => {
    expect(isSuspiciousRefresh({ ...session, userAgent: null }, session)).toMatchObject({
      suspicious: true,
      userAgentChanged: true,
    });
    expect(isSuspiciousRefresh(session, { ...session, userAgent: null })).toMatchObject({
      suspicious: true,
      userAgentChanged: true,
    });
  });
});

describe('refreshOutcome', () => {
  const CLIENT = { ip: '203.0.113.7', userAgent: 'Firefox/140' };
  const PRESENTED = 'token-presented';
  const CHILD = 'token-child';
  const SESSION = { sessionId: 'session-1', userId: 'user-1' };
  const NOT_SUSPICIOUS = { suspicious: false, ipChanged: false, userAgentChanged: false };

  /** The healthy session of `state()`, logged in from CLIENT, refreshed by the presented (unused) token from CLIENT. */
  function facts(overrides: Partial<RefreshFacts> = {}): RefreshFacts {
    return {
      now: at(HOUR),
      session: {
        id: SESSION.sessionId,
        userId: SESSION.userId,
        revokedAt: null,
        expiresAt: at(30 * DAY),
        lastUsedAt: at(HOUR - MINUTE),
        ...CLIENT,
      },
      token: { id: PRESENTED, usedAt: null },
      current: null,
      client: { ...CLIENT },
      idleTimeoutSeconds: DAY / SECOND,
      reuseGraceSeconds: 30,
      suspiciousRefreshPolicy: 'allow_and_flag',
      ...overrides,
    };
  }
  /** The presented token was rotated `agoMs` before now; `CHILD` (its child, unless `parentId` says otherwise) is current. */
  const used = (agoMs: number, parentId: string = PRESENTED): Partial<RefreshFacts> => ({
    token: { id: PRESENTED, usedAt: at(HOUR - agoMs) },
    current: { id: CHILD, parentId },
  });

  describe('rotations', () => {
    it('rotates the current token: it is the one retired', () => {
      expect(refreshOutcome(facts())).toEqual({
        kind: 'rotated',
        ...SESSION,
        retireTokenId: PRESENTED,
        grace: false,
        suspicion: NOT_SUSPICIOUS,
      });
    });

    it('grace-rotates the parent of the current token inside the window: the current one is retired', () => {
      expect(refreshOutcome(facts(used(5 * SECOND)))).toEqual({
        kind: 'rotated',
        ...SESSION,
        retireTokenId: CHILD,
        grace: true,
        suspicion: NOT_SUSPICIOUS,
      });
    });

    it('rotates from another client under allow_and_flag, reporting what changed', () => {
      const outcome = refreshOutcome(facts({ client: { ip: '198.51.100.1', userAgent: CLIENT.userAgent } }));
      expect(outcome).toMatchObject({ kind: 'rotated', retireTokenId: PRESENTED });
      expect(outcome).toHaveProperty('suspicion', { suspicious: true, ipChanged: true, userAgentChanged: false });
    });

    it('rotates under deny when the client is the one that logged in', () => {
      expect(refreshOutcome(facts({ suspiciousRefreshPolicy: 'deny' }))).toMatchObject({ kind: 'rotated', grace: false });
    });
  });

  describe('refusals that end the session', () => {
    it('ends a session past its lifetime or idle timeout, without looking at the client', () => {
      const elsewhere = { client: { ip: '198.51.100.1', userAgent: 'curl/8.0' }, suspiciousRefreshPolicy: 'deny' as const };
      expect(refreshOutcome(facts({ ...elsewhere, now: at(30 * DAY) }))).toEqual({
        kind: 'session_ended',
        ...SESSION,
        reason: 'expired_lifetime',
        suspicion: null,
      });
      expect(refreshOutcome(facts({ ...elsewhere, now: at(HOUR - MINUTE + DAY) }))).toEqual({
        kind: 'session_ended',
        ...SESSION,
        reason: 'expired_idle',
        suspicion: null,
      });
    });

    it('ends the session when a rotated token is presented again after the grace window', () => {
      expect(refreshOutcome(facts(used(31 * SECOND)))).toEqual({
        kind: 'session_ended',
        ...SESSION,
        reason: 'refresh_reuse',
        suspicion: null,
      });
    });

    it('counts a rotated token that is not the parent of the current one as reuse, even inside the window', () => {
      expect(refreshOutcome(facts(used(SECOND, 'another-token')))).toMatchObject({ reason: 'refresh_reuse' });
      expect(refreshOutcome(facts({ token: { id: PRESENTED, usedAt: at(HOUR - SECOND) }, current: null }))).toMatchObject({
        reason: 'refresh_reuse',
      });
    });

    it('ends the session on a refresh from another client under deny, grace rotation included', () => {
      const elsewhere = { client: { ip: CLIENT.ip, userAgent: 'curl/8.0' }, suspiciousRefreshPolicy: 'deny' as const };
      const ended = {
        kind: 'session_ended',
        ...SESSION,
        reason: 'suspicious_refresh',
        suspicion: { suspicious: true, ipChanged: false, userAgentChanged: true },
      };
      expect(refreshOutcome(facts(elsewhere))).toEqual(ended);
      expect(refreshOutcome(facts({ ...elsewhere, ...used(5 * SECOND) }))).toEqual(ended);
    });
  });

  it('refuses a revoked session and changes nothing, whatever else is wrong', () => {
    const revoked = facts({ ...used(HOUR), now: at(60 * DAY) });
    revoked.session.revokedAt = at(HOUR);
    expect(refreshOutcome(revoked)).toEqual({ kind: 'session_revoked' });
  });
});
