import { EnvReader, InvalidEnvironmentError } from './env-reader';

describe('EnvReader (the one reader of the environment)', () => {
  it('treats unset and blank alike, and trims', () => {
    const r = new EnvReader({ A: '  x ', B: '   ' });
    expect(r.string('A')).toBe('x');
    expect(r.string('B')).toBeUndefined();
    expect(r.string('C')).toBeUndefined();
  });

  it('collects every problem, by variable, and throws them together', () => {
    const r = new EnvReader({
      N: 'ten',
      W: '-1',
      B: 'maybe',
      E: 'Clamd',
      D: 'soon',
      R: '5 per minute',
      T: 'yesterday',
      U: 'ftp://x',
    });
    expect(r.int('N', 1, 0, 10)).toBe(1);
    expect(r.wholeNumber('W', undefined, 0, 10)).toBeUndefined();
    expect(r.bool('B', true)).toBe(true);
    expect(r.enumOf('E', ['logging', 'clamd'], 'logging')).toBe('logging');
    expect(r.duration('D', 60, 1, 3600)).toBe(60);
    expect(r.rate('R', { limit: 5, windowSeconds: 60 })).toEqual({ limit: 5, windowSeconds: 60 });
    expect(r.date('T')).toBeUndefined();
    expect(r.url('U', ['postgres:'])).toBe('ftp://x');
    expect(r.required('S', 'SMTP is chosen')).toBe('');
    r.problem('X', 'must agree with Y');
    expect(r.problems.map((p) => p.variable)).toEqual(['N', 'W', 'B', 'E', 'D', 'R', 'T', 'U', 'S', 'X']);
    expect(() => r.throwIfInvalid()).toThrow(InvalidEnvironmentError);
    expect(() => r.throwIfInvalid()).toThrow(/Invalid configuration \(10 problems\)[\s\S]*S: is required when SMTP is chosen/);
  });

  it('reads valid values', () => {
    const r = new EnvReader({
      N: '-3',
      W: '42',
      B: 'no',
      E: 'Clamd',
      D: '15m',
      R: '100/15m',
      T: '2026-01-01T00:00:00Z',
      U: 'postgres://h/db',
    });
    expect(r.int('N', 0, -5, 5)).toBe(-3);
    expect(r.wholeNumber('W', 1, 0, 100)).toBe(42);
    expect(r.bool('B', true)).toBe(false);
    expect(r.enumOf('E', ['logging', 'clamd'], 'logging', { ignoreCase: true })).toBe('clamd');
    expect(r.duration('D', 0, 1, 86400)).toBe(900);
    expect(r.rate('R', { limit: 1, windowSeconds: 1 })).toEqual({ limit: 100, windowSeconds: 900 });
    expect(r.date('T')?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(r.url('U', ['postgres:', 'postgresql:'])).toBe('postgres://h/db');
    expect(() => r.throwIfInvalid()).not.toThrow();
  });

  it('names the allowed values with the separator asked for, and bounds numbers', () => {
    const r = new EnvReader({ E: 'ssl', N: '70000' });
    r.enumOf('E', ['starttls', 'tls', 'none'], 'starttls', { separator: ', ' });
    r.wholeNumber('N', 25, 1, 65_535);
    expect(r.problems).toEqual([
      { variable: 'E', message: 'must be one of starttls, tls, none, got "ssl"' },
      { variable: 'N', message: 'must be between 1 and 65535, got 70000' },
    ]);
  });
});
