import { hashRecoveryCode, newRecoveryCode, normalizeRecoveryCode } from './recovery-codes';

describe('recovery codes', () => {
  it('are ten unambiguous symbols in two groups, and all different', () => {
    const codes = Array.from({ length: 200 }, newRecoveryCode);
    for (const code of codes) expect(code).toMatch(/^[a-hj-km-np-z2-9]{5}-[a-hj-km-np-z2-9]{5}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('normalise case, spaces and dashes, and refuse anything else', () => {
    expect(normalizeRecoveryCode('K7M2P-X9QR4')).toBe('k7m2px9qr4');
    expect(normalizeRecoveryCode(' k7m2p x9qr4 ')).toBe('k7m2px9qr4');
    expect(normalizeRecoveryCode('k7m2p-x9qr')).toBeNull();
    expect(normalizeRecoveryCode('k7m2p-x9qr0')).toBeNull();
    expect(normalizeRecoveryCode('')).toBeNull();
  });

  it('hash per user, so one code of two users differs', () => {
    expect(hashRecoveryCode('u1', 'k7m2px9qr4')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode('u1', 'k7m2px9qr4')).not.toBe(hashRecoveryCode('u2', 'k7m2px9qr4'));
  });
});
