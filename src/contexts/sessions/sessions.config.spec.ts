import { InvalidEnvironmentError } from '../../platform/config';
import { DEFAULT_CLEANUP_INTERVAL_MS, parseSessionsConfig } from './sessions.config';

function problemsOf(raw: Record<string, string>): { variable: string; message: string }[] {
  try {
    parseSessionsConfig(raw);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  throw new Error('expected parseSessionsConfig to throw');
}

describe('parseSessionsConfig', () => {
  it('runs the cleanup hourly by default, blank counting as unset', () => {
    expect(parseSessionsConfig({})).toEqual({ cleanupIntervalMs: DEFAULT_CLEANUP_INTERVAL_MS });
    expect(parseSessionsConfig({ SESSION_CLEANUP_INTERVAL: '  ' })).toEqual({ cleanupIntervalMs: 3_600_000 });
  });

  it.each([
    ['90', 90_000],
    ['15m', 900_000],
    [' 2h ', 7_200_000],
    ['1d', 86_400_000],
    ['1s', 1_000],
  ])('reads %p', (value, ms) => {
    expect(parseSessionsConfig({ SESSION_CLEANUP_INTERVAL: value })).toEqual({ cleanupIntervalMs: ms });
  });

  it.each([
    ['hourly', /must be a duration/],
    ['1.5h', /must be a duration/],
    ['-5m', /must be a duration/],
    ['0', /between 1s and 86400s, got 0s/],
    ['2d', /between 1s and 86400s, got 172800s/],
  ])('refuses %p', (value, message) => {
    const problems = problemsOf({ SESSION_CLEANUP_INTERVAL: value });
    expect(problems).toEqual([{ variable: 'SESSION_CLEANUP_INTERVAL', message: expect.stringMatching(message) }]);
  });
});
