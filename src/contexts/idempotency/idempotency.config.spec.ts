import { collectProblems, type EnvProblem, InvalidEnvironmentError } from '../../platform/config';
import { parseIdempotencyConfig } from './idempotency.config';

const problemsOf = (raw: Record<string, string>): EnvProblem[] => collectProblems(() => parseIdempotencyConfig(raw));

describe('parseIdempotencyConfig', () => {
  it('defaults to a 24 h TTL and a 60 s lock timeout', () => {
    expect(parseIdempotencyConfig({})).toEqual({ ttlMs: 24 * 3_600_000, lockTimeoutMs: 60_000 });
  });

  it('reads explicit values, ignoring surrounding blanks', () => {
    expect(parseIdempotencyConfig({ IDEMPOTENCY_TTL_HOURS: ' 48 ', IDEMPOTENCY_LOCK_TIMEOUT_SECONDS: '5' })).toEqual({
      ttlMs: 48 * 3_600_000,
      lockTimeoutMs: 5_000,
    });
  });

  it('treats blank values as unset', () => {
    expect(parseIdempotencyConfig({ IDEMPOTENCY_TTL_HOURS: '  ', IDEMPOTENCY_LOCK_TIMEOUT_SECONDS: '' })).toEqual({
      ttlMs: 24 * 3_600_000,
      lockTimeoutMs: 60_000,
    });
  });

  it.each([
    ['IDEMPOTENCY_TTL_HOURS', 'a day', /whole number/],
    ['IDEMPOTENCY_TTL_HOURS', '1.5', /whole number/],
    ['IDEMPOTENCY_TTL_HOURS', '-1', /whole number/],
    ['IDEMPOTENCY_TTL_HOURS', '0', /between 1 and 720/],
    ['IDEMPOTENCY_TTL_HOURS', '721', /between 1 and 720/],
    ['IDEMPOTENCY_LOCK_TIMEOUT_SECONDS', '0', /between 1 and 3600/],
    ['IDEMPOTENCY_LOCK_TIMEOUT_SECONDS', '60s', /whole number/],
  ])('reports %s=%p by name', (variable, value, message) => {
    expect(problemsOf({ [variable]: value })).toEqual([{ variable, message: expect.stringMatching(message) }]);
  });

  it('reports both variables at once, in one error that names them', () => {
    let thrown: unknown;
    try {
      parseIdempotencyConfig({ IDEMPOTENCY_TTL_HOURS: 'x', IDEMPOTENCY_LOCK_TIMEOUT_SECONDS: 'y' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEnvironmentError);
    expect((thrown as Error).message).toMatch(/IDEMPOTENCY_TTL_HOURS[\s\S]*IDEMPOTENCY_LOCK_TIMEOUT_SECONDS/);
  });

  it('refuses a lock timeout as long as the TTL', () => {
    expect(problemsOf({ IDEMPOTENCY_TTL_HOURS: '1', IDEMPOTENCY_LOCK_TIMEOUT_SECONDS: '3600' })).toEqual([
      { variable: 'IDEMPOTENCY_LOCK_TIMEOUT_SECONDS', message: expect.stringMatching(/shorter than IDEMPOTENCY_TTL_HOURS/) },
    ]);
  });
});
