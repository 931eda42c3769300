import { generateSync, verifySync } from 'otplib';
import { Totp } from './totp';

/** RFC 6238 Appendix B: 8-digit codes for the ASCII seeds below at these Unix times. */
const SEEDS = {
  sha1: Buffer.from('12345678901234567890', 'ascii'),
  sha256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP', () => {
  it.each(VECTORS)('matches the RFC 6238 test vectors at T=%p', (time, sha1, sha256, sha512) => {
    for (const [algorithm, expected] of [
      ['sha1', sha1],
      ['sha256', sha256],
      ['sha512', sha512],
    ] as const) {
      const options = { secret: new Uint8Array(SEEDS[algorithm]), algorithm, digits: 8 as const, epoch: time };
      expect(generateSync(options)).toBe(expected);
      expect(verifySync({ ...options, token: expected }).valid).toBe(true);
    }
  });

  const secret = Totp.newSecret();
  const at = (seconds: number) => new Date(seconds * 1000);
  const codeAt = (seconds: number) => generateSync({ secret, epoch: seconds });

  it('accepts the current code and one step either side, not two', async () => {
    const now = 1_800_000_015;
    const step = Math.floor(now / 30);
    expect(await Totp.verify(secret, codeAt(now), at(now))).toBe(step);
    expect(await Totp.verify(secret, codeAt(now - 30), at(now))).toBe(step - 1);
    expect(await Totp.verify(secret, codeAt(now + 30), at(now))).toBe(step + 1);
    expect(await Totp.verify(secret, codeAt(now - 60), at(now))).toBeNull();
    expect(await Totp.verify(secret, codeAt(now + 60), at(now))).toBeNull();
  });

  it('refuses a code whose time step was already used (replay)', async () => {
    const now = 1_800_000_015;
    const step = (await Totp.verify(secret, codeAt(now), at(now)))!;
    expect(await Totp.verify(secret, codeAt(now), at(now), step)).toBeNull();
    expect(await Totp.verify(secret, codeAt(now + 30), at(now + 30), step)).toBe(step + 1);
  });

  it('refuses malformed codes without calling the library', async () => {
    for (const code of ['', '12345', '1234567', 'abcdef', '12 456'])
      expect(await Totp.verify(secret, code, at(1_800_000_000))).toBeNull();
  });

  it('builds an otpauth URI for authenticator apps', () => {
    expect(Totp.uri('JBSWY3DPEHPK3PXP', 'ada@example.com', 'Bastion')).toMatch(
      /^otpauth:\/\/totp\/Bastion:ada%40example\.com\?secret=JBSWY3DPEHPK3PXP/,
    );
  });
});
