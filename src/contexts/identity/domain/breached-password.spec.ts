import { DomainError } from '../../../platform/http/problem';
import {
  breachedPasswordFailure,
  breachVerdict,
  decidePassword,
  isListed,
  listCandidates,
  parseRangeResponse,
  screeningUnavailable,
} from './breached-password';

const SUFFIX = '0018A45C4D1DEF81644B54AB7F969B88D65';

describe('breachVerdict', () => {
  it('is breached when the offline list has it, whatever the provider says', () => {
    for (const provider of ['found', 'not_found', 'failed', 'not_configured'] as const) {
      expect(breachVerdict(true, provider, 'fail_open')).toBe('breached');
      expect(breachVerdict(true, provider, 'fail_closed')).toBe('breached');
    }
  });

  it('is breached when the provider found it', () => {
    expect(breachVerdict(false, 'found', 'fail_open')).toBe('breached');
  });

  it('is not breached when neither source knows it, or no provider is configured', () => {
    expect(breachVerdict(false, 'not_found', 'fail_closed')).toBe('not_breached');
    expect(breachVerdict(false, 'not_configured', 'fail_closed')).toBe('not_breached');
  });

  it('lets a provider failure through under fail_open and leaves it unverified under fail_closed', () => {
    expect(breachVerdict(false, 'failed', 'fail_open')).toBe('not_breached');
    expect(breachVerdict(false, 'failed', 'fail_closed')).toBe('unverified');
  });
});

describe('listCandidates / isListed', () => {
  const list = new Set(['password', 'qwerty123456', 'Mailcreated5240']);

  it('matches exactly, case-sensitively beyond the first letter', () => {
    expect(isListed('password', list)).toBe(true);
    expect(isListed('PASSWORD', list)).toBe(false);
    expect(isListed('passworD', list)).toBe(false);
    expect(isListed('password ', list)).toBe(false);
  });

  it('matches a listed password with its first letter capitalised', () => {
    expect(isListed('Password', list)).toBe(true);
    expect(isListed('Qwerty123456', list)).toBe(true);
    // A listed entry that is itself capitalised still matches only as listed.
    expect(isListed('Mailcreated5240', list)).toBe(true);
    expect(isListed('mailcreated5240', list)).toBe(false);
  });

  it('matches the NFKC form (full-width characters)', () => {
    expect(isListed('ｐａｓｓｗｏｒｄ', list)).toBe(true);
    expect(isListed('Ｐａｓｓｗｏｒｄ', list)).toBe(true);
  });

  it('lists each distinct form once', () => {
    expect(listCandidates('password')).toEqual(['password']);
    expect(listCandidates('Password')).toEqual(['Password', 'password']);
    expect(listCandidates('Ｐａｓｓ')).toEqual(['Ｐａｓｓ', 'Pass', 'ｐａｓｓ', 'pass']);
    expect(listCandidates('')).toEqual(['']);
  });

  it('keeps characters outside the BMP whole', () => {
    expect(listCandidates('🐴Horse')).toEqual(['🐴Horse']);
  });
});

describe('parseRangeResponse', () => {
  it('returns the suffixes with a count above zero, upper-cased', () => {
    const body = [`${SUFFIX}:3`, `${'a'.repeat(35)}:12`, `${'B'.repeat(35)}:0`].join('\r\n');
    expect(parseRangeResponse(body)).toEqual(new Set([SUFFIX, 'A'.repeat(35)]));
  });

  it('treats padded zero-count lines as misses', () => {
    expect(parseRangeResponse(`${SUFFIX}:0\n${'C'.repeat(35)}:0\n`)).toEqual(new Set());
  });

  it('ignores blank and malformed lines among valid ones', () => {
    expect(parseRangeResponse(`\n<html>\n${SUFFIX}:7\nnot-a-line:1\n`)).toEqual(new Set([SUFFIX]));
  });

  it('is undefined for a body with no valid line (an error page, an empty answer)', () => {
    expect(parseRangeResponse('')).toBeUndefined();
    expect(parseRangeResponse('<html>Service unavailable</html>')).toBeUndefined();
    expect(parseRangeResponse(`${SUFFIX.slice(1)}:3`)).toBeUndefined();
  });
});

describe('decidePassword', () => {
  const tooShort = { field: 'password', code: 'too_short', message: 'Use at least 12 characters.' };

  it('accepts when nothing failed and the password is not breached', () => {
    expect(decidePassword([], 'not_breached', 'password')).toEqual({ kind: 'accept' });
  });

  it('adds the breach to the other failures, all in one rejection', () => {
    expect(decidePassword([tooShort], 'breached', 'password')).toEqual({
      kind: 'reject',
      failures: [tooShort, breachedPasswordFailure('password')],
    });
    expect(decidePassword([], 'breached', 'new_password')).toEqual({
      kind: 'reject',
      failures: [{ field: 'new_password', code: 'breached_password', message: expect.stringMatching(/data breach/) }],
    });
  });

  it('rejects on the other failures even when the screening is unverified', () => {
    expect(decidePassword([tooShort], 'unverified', 'password')).toEqual({ kind: 'reject', failures: [tooShort] });
  });

  it('is unverified when only the screening could not decide', () => {
    expect(decidePassword([], 'unverified', 'password')).toEqual({ kind: 'unverified' });
  });

  it('does not alter the failures it was given', () => {
    const failures = [tooShort];
    decidePassword(failures, 'breached', 'password');
    expect(failures).toEqual([tooShort]);
  });
});

describe('screeningUnavailable', () => {
  it('is a 503 dependency_unavailable with Retry-After, naming the provider', () => {
    const error = screeningUnavailable();
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'dependency_unavailable', status: 503 });
    expect(error.options.headers).toEqual({ 'retry-after': '5' });
    expect(error.options.extensions).toEqual({ dependency: 'breached_password_provider', retry_after: 5 });
  });
});
