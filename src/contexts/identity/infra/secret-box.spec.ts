import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

describe('SecretBox (AES-256-GCM keyring)', () => {
  it('round-trips under the current key and never stores the plaintext', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('uses a fresh IV every time', () => {
    const box = new SecretBox([k1]);
    expect(box.seal('same', 'u').ciphertext).not.toBe(box.seal('same', 'u').ciphertext);
  });

  it('opens values sealed under an older key after rotation, and seals under the new one', () => {
    const old = new SecretBox([k1]).seal('secret', 'u');
    const rotated = new SecretBox([k2, k1]);
    expect(rotated.open(old, 'u')).toBe('secret');
    expect(rotated.seal('secret', 'u').keyId).toBe('k2');
  });

  it('refuses a tampered ciphertext, another context, or an unknown key id', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('secret', 'user-1');
    const parts = sealed.ciphertext.split('.');
    const flipped = Buffer.from(parts[2], 'base64url');
    flipped[0] ^= 1;
    expect(() =>
      box.open({ ...sealed, ciphertext: [parts[0], parts[1], flipped.toString('base64url')].join('.') }, 'user-1'),
    ).toThrow();
    expect(() => box.open(sealed, 'user-2')).toThrow();
    expect(() => new SecretBox([k2]).open(sealed, 'user-1')).toThrow(/unknown encryption key id "k1"/);
  });
});
