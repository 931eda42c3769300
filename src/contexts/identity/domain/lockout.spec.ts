import {
  afterCooldown,
  cooldownMs,
  FRESH_LOCKOUT_STATE,
  gate,
  type LockoutPolicy,
  type LockoutState,
  registerFailure,
  registerSuccess,
} from './lockout';

const MIN = 60_000;
const policy: LockoutPolicy = { threshold: 10, cooldownMs: 15 * MIN, maxCooldownMs: 24 * 60 * MIN, resetAfterMs: 24 * 60 * MIN };
const t0 = new Date('2026-11-23T10:00:00.000Z');
const at = (ms: number): Date => new Date(t0.getTime() + ms);

function fail(times: number, from: LockoutState = FRESH_LOCKOUT_STATE, start = t0) {
  let state = from;
  let last: ReturnType<typeof registerFailure> | undefined;
  for (let i = 0; i < times; i++) {
    last = registerFailure(state, new Date(start.getTime() + i * 1000), policy);
    state = last.state;
  }
  return { state, last: last! };
}

describe('account lockout', () => {
  it('one failure below the threshold does not lock', () => {
    const { state, last } = fail(9);
    expect(last.locked).toBeNull();
    expect(state.failedCount).toBe(9);
    expect(gate(state, at(10_000))).toEqual({ allowed: true, expiredLock: false });
  });

  it('exactly at the threshold locks for the base cooldown and refuses every attempt until it passes', () => {
    const { state, last } = fail(10);
    expect(last.locked).toEqual({ until: new Date(at(9000).getTime() + 15 * MIN), level: 1, cooldownSeconds: 900 });
    expect(state.failedCount).toBe(0);
    const g = gate(state, at(9000 + 60_000));
    expect(g).toEqual({ allowed: false, retryAfterSeconds: 840, lockedUntil: state.lockedUntil });
    // one millisecond before expiry still locked (retry rounds up to a whole second)
    expect(gate(state, new Date(state.lockedUntil!.getTime() - 1))).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
  });

  it('unlocks exactly at cooldown expiry and reports the expired lock', () => {
    const { state } = fail(10);
    expect(gate(state, state.lockedUntil!)).toEqual({ allowed: true, expiredLock: true });
    expect(afterCooldown(state)).toEqual({ ...state, failedCount: 0, lockedUntil: null });
  });

  it('each further lockout doubles the cooldown, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((level) => cooldownMs(level, policy) / MIN)).toEqual([15, 30, 60, 120, 240, 480, 960]);
    expect(cooldownMs(8, policy) / MIN).toBe(24 * 60); // 1920 min capped at 24 h
    expect(cooldownMs(500, policy) / MIN).toBe(24 * 60);

    const first = fail(10);
    const afterFirst = first.state.lockedUntil!;
    const second = fail(10, first.state, afterFirst);
    expect(second.last.locked).toMatchObject({ level: 2, cooldownSeconds: 1800 });
    const third = fail(10, second.state, second.state.lockedUntil!);
    expect(third.last.locked).toMatchObject({ level: 3, cooldownSeconds: 3600 });
  });

  it('failures while still locked are counted but neither extend nor stack the lock', () => {
    const { state } = fail(10);
    const during = registerFailure(state, at(20_000), policy);
    expect(during.locked).toBeNull();
    expect(during.state.lockedUntil).toEqual(state.lockedUntil);
    expect(during.state.lockoutLevel).toBe(1);
  });

  it('a quiet period without failures starts the streak and the level over', () => {
    const { state } = fail(10);
    const later = new Date(state.lastFailedAt!.getTime() + policy.resetAfterMs);
    const next = registerFailure(state, later, policy);
    expect(next.state).toEqual({ failedCount: 1, lockoutLevel: 0, lockedUntil: null, lastFailedAt: later });
    const almost = registerFailure(fail(4).state, new Date(at(3000).getTime() + policy.resetAfterMs - 1), policy);
    expect(almost.state.failedCount).toBe(5);
  });

  it('a success ends the streak and reports how many failures it ended', () => {
    expect(registerSuccess(fail(4).state, at(5000))).toEqual({ refused: false, previousFailures: 4 });
    expect(registerSuccess(FRESH_LOCKOUT_STATE, t0)).toEqual({ refused: false, previousFailures: 0 });
  });

  it('a success is refused while locked (the right password too), and allowed after the cooldown', () => {
    const { state } = fail(10);
    expect(registerSuccess(state, at(10_000))).toEqual({ refused: true, retryAfterSeconds: 899 });
    expect(registerSuccess(state, state.lockedUntil!)).toEqual({ refused: false, previousFailures: 0 });
  });

  it('a fresh (unknown or reset) email starts from zero failures', () => {
    expect(gate(FRESH_LOCKOUT_STATE, t0)).toEqual({ allowed: true, expiredLock: false });
    expect(registerFailure(FRESH_LOCKOUT_STATE, t0, policy).state.failedCount).toBe(1);
  });

  it('a threshold of one locks on the first failure', () => {
    const out = registerFailure(FRESH_LOCKOUT_STATE, t0, { ...policy, threshold: 1 });
    expect(out.locked?.level).toBe(1);
  });
});
