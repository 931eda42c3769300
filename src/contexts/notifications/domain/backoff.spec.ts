import { backoffCeiling, backoffDelay } from './backoff';

const policy = { baseMs: 1_000, maxMs: 60_000 };

describe('backoff', () => {
  it('doubles the ceiling with every attempt, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffCeiling(a, policy))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
    expect(backoffCeiling(1_000, policy)).toBe(60_000);
  });

  it('draws the delay from [ceiling/2, ceiling] (equal jitter)', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = backoffCeiling(attempt, policy);
      expect(backoffDelay(attempt, policy, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(attempt, policy, () => 0.999999)).toBeLessThanOrEqual(ceiling);
      expect(backoffDelay(attempt, policy, () => 0.999999)).toBeGreaterThan(ceiling * 0.99);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt, policy);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('spreads retries that failed together (jitter is real)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, policy)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('never shortens the wait as attempts go on (the fixed half keeps growing)', () => {
    for (let attempt = 1; attempt < 6; attempt++) {
      expect(backoffDelay(attempt + 1, policy, () => 0)).toBeGreaterThanOrEqual(
        backoffDelay(attempt, policy, () => 0.999999) / 1,
      );
    }
  });

  it("honours a provider's Retry-After as a floor, but never beyond the cap", () => {
    expect(backoffDelay(1, policy, () => 0, 10_000)).toBe(10_000);
    expect(backoffDelay(1, policy, () => 0, 100)).toBe(500);
    expect(backoffDelay(1, policy, () => 0, 3_600_000)).toBe(60_000);
  });
});
