import { isRecentAuthentication } from './step-up';

describe('isRecentAuthentication', () => {
  const now = new Date('2026-12-04T12:00:00Z');
  const seconds = now.getTime() / 1000;

  it('accepts an authentication up to the maximum age, inclusive', () => {
    expect(isRecentAuthentication(seconds, now, 600)).toBe(true);
    expect(isRecentAuthentication(seconds - 600, now, 600)).toBe(true);
  });

  it('refuses one older than the maximum age', () => {
    expect(isRecentAuthentication(seconds - 601, now, 600)).toBe(false);
    expect(isRecentAuthentication(seconds - 3600, now, 600)).toBe(false);
  });

  it('refuses a token without auth_time (an API key, or a token from before the claim)', () => {
    expect(isRecentAuthentication(null, now, 600)).toBe(false);
    expect(isRecentAuthentication(undefined, now, 600)).toBe(false);
    expect(isRecentAuthentication(Number.NaN, now, 600)).toBe(false);
  });
});
