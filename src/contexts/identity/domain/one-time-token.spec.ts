import { isTokenShaped, newOneTimeToken, TOKEN_PURPOSES, TokenHasher, tokenLink } from './one-time-token';

const key = (fill: number) => ({ key: Buffer.alloc(32, fill) });

describe('one-time tokens', () => {
  it('are 256 random bits in base64url, never the same twice', () => {
    const tokens = new Set(Array.from({ length: 100 }, newOneTimeToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(isTokenShaped(token)).toBe(true);
  });

  it.each([undefined, 42, '', 'short', 'x'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}/`])(
    'refuse %p as a token',
    (value) => {
      expect(isTokenShaped(value)).toBe(false);
    },
  );

  it('travel in the URL fragment of the console page of their purpose', () => {
    const token = newOneTimeToken();
    expect(tokenLink('https://bastion.example/', 'reset_password', token)).toBe(
      `https://bastion.example/console/#/reset?token=${token}`,
    );
    expect(tokenLink('https://bastion.example', 'verify_email', token)).toBe(
      `https://bastion.example/console/#/verify?token=${token}`,
    );
    const routes = TOKEN_PURPOSES.map((purpose) => new URL(tokenLink('https://b.example', purpose, token)).hash.split('?')[0]);
    expect(new Set(routes).size).toBe(TOKEN_PURPOSES.length);
  });
});

describe('TokenHasher', () => {
  it('stores under the first key and finds under every key (rotation keeps sent links working)', () => {
    const token = newOneTimeToken();
    const before = new TokenHasher([key(1)]);
    const rotated = new TokenHasher([key(2), key(1)]);
    expect(rotated.candidates(token)).toContain(before.current(token));
    expect(rotated.current(token)).not.toBe(before.current(token));
  });

  it('gives a keyed hash: another key, another hash; never the token itself', () => {
    const token = newOneTimeToken();
    const hash = new TokenHasher([key(1)]).current(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new TokenHasher([key(3)]).current(token)).not.toBe(hash);
    expect(hash).not.toContain(token);
  });

  it('needs a key', () => {
    expect(() => new TokenHasher([])).toThrow(/at least one key/);
  });
});
