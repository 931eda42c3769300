import { suspiciousReasons } from './suspicious-login';

const base = { firstLogin: false, newSources: new Set<'ip' | 'user_agent'>(), failuresBefore: 0, repeatedFailuresThreshold: 3 };

describe('suspicious login reasons', () => {
  it('a known IP and user agent with no failures before is not suspicious', () => {
    expect(suspiciousReasons(base)).toEqual([]);
  });

  it('flags a new IP and a new user agent', () => {
    expect(suspiciousReasons({ ...base, newSources: new Set(['ip']) })).toEqual(['new_ip']);
    expect(suspiciousReasons({ ...base, newSources: new Set(['user_agent']) })).toEqual(['new_user_agent']);
    expect(suspiciousReasons({ ...base, newSources: new Set(['ip', 'user_agent']) })).toEqual(['new_ip', 'new_user_agent']);
  });

  it('the first login ever has no history to differ from', () => {
    expect(suspiciousReasons({ ...base, firstLogin: true, newSources: new Set(['ip', 'user_agent']) })).toEqual([]);
  });

  it('flags a success right after repeated failures, from the threshold on', () => {
    expect(suspiciousReasons({ ...base, failuresBefore: 2 })).toEqual([]);
    expect(suspiciousReasons({ ...base, failuresBefore: 3 })).toEqual(['after_failures']);
    expect(suspiciousReasons({ ...base, firstLogin: true, failuresBefore: 7 })).toEqual(['after_failures']);
  });
});
