/**
 * Account lockout: after `threshold` consecutive failed logins the account (really: the
 * email, so unknown emails behave exactly like registered ones) is locked for a cooldown
 * that doubles with each further lockout up to a cap. A success, or a quiet period of
 * `resetAfterMs` without failures, starts everything over. Pure functions over a state
 * value; the store applies them under a row lock.
 */
export interface LockoutPolicy {
  threshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
  resetAfterMs: number;
}

export interface LockoutState {
  /** Consecutive failures since the last success, unlock or lockout. */
  failedCount: number;
  /** How many lockouts this streak has had; the next cooldown is `cooldown × 2^level`. */
  lockoutLevel: number;
  lockedUntil: Date | null;
  lastFailedAt: Date | null;
}

export const FRESH_LOCKOUT_STATE: LockoutState = { failedCount: 0, lockoutLevel: 0, lockedUntil: null, lastFailedAt: null };

export type LoginGate =
  | { allowed: true; /** A lock whose cooldown has passed: the caller clears it and reports the unlock. */ expiredLock: boolean }
  | { allowed: false; retryAfterSeconds: number; lockedUntil: Date };

/** May a login be attempted now? Even the right password is refused while locked. */
export function gate(state: LockoutState, now: Date): LoginGate {
  if (state.lockedUntil === null) return { allowed: true, expiredLock: false };
  if (state.lockedUntil.getTime() <= now.getTime()) return { allowed: true, expiredLock: true };
  return { allowed: false, retryAfterSeconds: secondsUntil(state.lockedUntil, now), lockedUntil: state.lockedUntil };
}

/** Cooldown of the `level`-th lockout (1-based): `cooldown × 2^(level-1)`, capped. */
export function cooldownMs(level: number, policy: LockoutPolicy): number {
  const doubled = policy.cooldownMs * 2 ** Math.min(Math.max(level - 1, 0), 40);
  return Math.min(doubled, policy.maxCooldownMs);
}

/** The state after an expired lock is cleared: the streak starts over, the level is kept. */
export function afterCooldown(state: LockoutState): LockoutState {
  return { ...state, failedCount: 0, lockedUntil: null };
}

export interface FailureOutcome {
  state: LockoutState;
  /** Set when this failure locked the account. */
  locked: { until: Date; level: number; cooldownSeconds: number } | null;
}

export function registerFailure(current: LockoutState, now: Date, policy: LockoutPolicy): FailureOutcome {
  let state = current;
  const stillLocked = state.lockedUntil !== null && state.lockedUntil.getTime() > now.getTime();
  if (stillLocked) {
    // A request that passed the gate just before another one locked the account: counted, no new lock.
    return { state: { ...state, failedCount: state.failedCount + 1, lastFailedAt: now }, locked: null };
  }
  if (state.lockedUntil !== null) state = afterCooldown(state);
  if (state.lastFailedAt !== null && now.getTime() - state.lastFailedAt.getTime() >= policy.resetAfterMs) {
    state = { ...FRESH_LOCKOUT_STATE };
  }
  const failedCount = state.failedCount + 1;
  if (failedCount < policy.threshold) {
    return { state: { ...state, failedCount, lastFailedAt: now }, locked: null };
  }
  const level = state.lockoutLevel + 1;
  const ms = cooldownMs(level, policy);
  const until = new Date(now.getTime() + ms);
  return {
    state: { failedCount: 0, lockoutLevel: level, lockedUntil: until, lastFailedAt: now },
    locked: { until, level, cooldownSeconds: Math.ceil(ms / 1000) },
  };
}

export type SuccessOutcome =
  | { refused: false; /** Failures of the streak this success ends (for suspicious-login telemetry). */ previousFailures: number }
  | { refused: true; retryAfterSeconds: number };

/**
 * A correct password resets the streak and the lockout level, unless the account got
 * locked while this attempt was being checked: then it is refused like any locked attempt.
 */
export function registerSuccess(state: LockoutState, now: Date): SuccessOutcome {
  const g = gate(state, now);
  if (!g.allowed) return { refused: true, retryAfterSeconds: g.retryAfterSeconds };
  return { refused: false, previousFailures: g.expiredLock ? 0 : state.failedCount };
}

export function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}
