import { isSecretKey, LIMITS, maskEmail, REDACTED, safeText, scrubMetadata, scrubString, TRUNCATED } from './pii';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const REFRESH = 'q8Zr3vT0bLmN5xYw2KjH7gFdS4aP1eRuI9oC6tVnBzQ';

describe('isSecretKey', () => {
  it.each([
    'password',
    'new_password',
    'currentPassword',
    'passwd',
    'passphrase',
    'pwd',
    'secret',
    'client_secret',
    'token',
    'access_token',
    'refreshToken',
    'id_token',
    'api_key',
    'apiKey',
    'x-api-key',
    'private_key',
    'authorization',
    'Authorization',
    'cookie',
    'set-cookie',
    'credentials',
    'totp_code',
    'otp',
    'recovery_code',
    'recovery_codes',
    'backup_codes',
    'card_number',
    'cardNumber',
    'cvv',
    'cvc',
    'pin',
    'pan',
    'jwt',
    'session_key',
  ])('%p is a secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'email',
    'user_id',
    'session_id',
    'api_key_id',
    'token_count',
    'key_prefix',
    'prefix',
    'password_changed_at',
    'reason',
    'sessions_revoked',
    'signature',
    'generated',
    'passed',
    'footprint',
    'compass',
    'spinner',
    'company',
    'retry_after',
    'ip',
    'user_agent',
  ])('%p is not a secret', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('scrubString', () => {
  it('masks e-mail addresses, keeping the first character and the domain', () => {
    expect(scrubString('jane.doe@example.com')).toBe('j***@example.com');
    expect(scrubString('contact: Jane.Doe+x@Mail.Example.org, thanks')).toBe('contact: J***@Mail.Example.org, thanks');
  });

  it('keeps the one address that is the subject (case-insensitively)', () => {
    expect(scrubString('Jane@Example.com', { keepEmail: 'jane@example.com' })).toBe('Jane@Example.com');
    expect(scrubString('jane@example.com and bob@example.com', { keepEmail: 'jane@example.com' })).toBe(
      'jane@example.com and b***@example.com',
    );
  });

  it('removes JWTs and credentials after an auth scheme', () => {
    expect(scrubString(`token ${JWT} here`)).toBe(`token ${REDACTED} here`);
    expect(scrubString('Bearer abc.def-ghi_123')).toBe(`Bearer ${REDACTED}`);
    // A header line loses the scheme too (the pair rule takes the word after "Authorization:").
    expect(scrubString('Authorization: Bearer abc.def-ghi_123')).toBe(`Authorization: ${REDACTED} ${REDACTED}`);
    expect(scrubString('Basic dXNlcjpwYXNz')).toBe(`Basic ${REDACTED}`);
  });

  it('removes the values of secret-named pairs, wherever they sit', () => {
    expect(scrubString('https://x.test/cb?code=1&token=abc123&state=ok')).toBe(
      `https://x.test/cb?code=1&token=${REDACTED}&state=ok`,
    );
    expect(scrubString('password=hunter2 user=jane')).toBe(`password=${REDACTED} user=jane`);
    expect(scrubString('{"client_secret": "s3cr3t", "name": "x"}')).toBe(`{"client_secret": "${REDACTED}", "name": "x"}`);
    expect(scrubString('api_key: sk_live_51')).toBe(`api_key: ${REDACTED}`);
  });

  it('removes long opaque tokens (mixed case and digits), keeping hex digests and words', () => {
    expect(scrubString(`leaked ${REFRESH} oops`)).toBe(`leaked ${REDACTED} oops`);
    const sha256 = 'a'.repeat(20) + '0123456789abcdef'.repeat(3);
    expect(scrubString(sha256)).toBe(sha256);
    expect(scrubString('AbstractSingletonProxyFactoryBean')).toBe('AbstractSingletonProxyFactoryBean');
  });

  it('masks card-like numbers (13–19 digits, spaces or dashes allowed) down to their last four digits', () => {
    expect(scrubString('card 4111 1111 1111 1111 ok')).toBe('card ************1111 ok');
    expect(scrubString('4111-1111-1111-1111')).toBe('************1111');
  });

  it('leaves digit runs inside hex digests and ids alone (a pseudonym is no card number)', () => {
    expect(scrubString('585726837885912d6880b5ac26479ad2')).toBe('585726837885912d6880b5ac26479ad2');
    expect(scrubString('sha 4111111111111111ab')).toBe('sha 4111111111111111ab');
    expect(scrubString('378282246310005')).toBe('***********0005');
    expect(scrubString('order 123456 phone +1 555 123 4567')).toBe('order 123456 phone +1 555 123 4567');
  });

  it('leaves user agents, UUIDs and IPs alone', () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    expect(scrubString(ua)).toBe(ua);
    expect(scrubString('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(scrubString('2001:db8::1')).toBe('2001:db8::1');
  });

  it('drops control characters (NUL included) and repairs lone surrogates', () => {
    expect(scrubString('a\u0000b\u0007c\td\ne')).toBe('abc\td\ne');
    expect(scrubString('x\uD800y')).toBe('x\uFFFDy');
    expect(scrubString('😀'.repeat(3))).toBe('😀😀😀');
  });

  it('caps the length after scrubbing, without splitting a surrogate pair into garbage', () => {
    expect(scrubString('x'.repeat(5000))).toHaveLength(LIMITS.string);
    const cut = scrubString('😀'.repeat(10), { max: 5 });
    expect(cut).toBe('😀😀\uFFFD');
  });

  it('handles hostile input of the maximum scanned size', () => {
    for (const input of [
      'a'.repeat(50_000),
      'a=a'.repeat(20_000),
      '@'.repeat(50_000),
      '1 '.repeat(30_000),
      'a-'.repeat(30_000),
    ]) {
      expect(scrubString(input).length).toBeLessThanOrEqual(LIMITS.string);
    }
  });
});

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('j@example.com')).toBe('j***@example.com');
    expect(maskEmail('@nope')).toBe(REDACTED);
  });
});

describe('safeText', () => {
  it('bounds and repairs text without scrubbing it', () => {
    expect(safeText('jane@example.com')).toBe('jane@example.com');
    expect(safeText('abc', 2)).toBe('ab');
  });
});

describe('scrubMetadata', () => {
  /** Every value an audit row must never hold. */
  const SECRETS = [
    'Hunter2-correct-horse!',
    'Tr0ub4dor&3-new',
    'old-pass-phrase-9',
    REFRESH,
    JWT,
    'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    'client-secret-value-77',
    '482913',
    'ABCD-EFGH-IJKL',
    'sid=s%3AQ2hhbmdlTWU',
    '4111111111111111',
    '5500 0000 0000 0004',
    'nested-password-value',
    'listed-token-value',
    'bearer-credential-xyz',
    'cvv-123',
    'private-key-material',
    'url-token-value',
  ];

  const payload = {
    password: SECRETS[0],
    new_password: SECRETS[1],
    currentPassword: SECRETS[2],
    refresh_token: SECRETS[3],
    access_token: SECRETS[4],
    api_key: SECRETS[5],
    client_secret: SECRETS[6],
    totp_code: SECRETS[7],
    recovery_codes: [SECRETS[8]],
    cookie: SECRETS[9],
    card_number: SECRETS[10],
    note: `paid with ${SECRETS[11]} and token ${SECRETS[3]} and jwt ${SECRETS[4]}`,
    nested: {
      credentials: { password: SECRETS[12] },
      list: [{ token: SECRETS[13] }],
      headers: { authorization: `Bearer ${SECRETS[14]}` },
    },
    cvv: SECRETS[15],
    private_key: SECRETS[16],
    callback: `https://app.example/cb?token=${SECRETS[17]}&ok=1`,
    email: 'jane.doe@example.com',
    friend: { email: 'Bob@Example.org' },
    user_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    generated_password: true,
    sessions_revoked: 2,
    reason: 'wrong_password',
  };

  it('lets no password, token, secret or card number through', () => {
    const json = JSON.stringify(scrubMetadata(payload));
    for (const secret of SECRETS) expect(json).not.toContain(secret);
    // Not even recognisable pieces of the card numbers.
    expect(json).not.toMatch(/4111\s?1111|5500\s?0000/);
  });

  it('keeps what is safe and useful, masking e-mails', () => {
    const out = scrubMetadata(payload);
    expect(out).toMatchObject({
      password: REDACTED,
      refresh_token: REDACTED,
      recovery_codes: REDACTED,
      nested: { credentials: REDACTED, list: [{ token: REDACTED }], headers: { authorization: REDACTED } },
      email: 'j***@example.com',
      friend: { email: 'B***@Example.org' },
      user_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
      generated_password: true,
      sessions_revoked: 2,
      reason: 'wrong_password',
      callback: `https://app.example/cb?token=${REDACTED}&ok=1`,
    });
    expect(out.note).toBe(`paid with ************0004 and token ${REDACTED} and jwt ${REDACTED}`);
  });

  it('keeps the subject’s own address unmasked', () => {
    expect(scrubMetadata({ email: 'jane.doe@example.com' }, { keepEmail: 'jane.doe@example.com' })).toEqual({
      email: 'jane.doe@example.com',
    });
  });

  it('keeps null and booleans under secret names (they say whether, not what)', () => {
    expect(scrubMetadata({ password: null, token: false, secret: 0 })).toEqual({
      password: null,
      token: false,
      secret: REDACTED,
    });
  });

  it('produces plain JSON: finite numbers, ISO dates, no undefined, bigint as text', () => {
    const at = new Date('2026-11-22T10:00:00.000Z');
    expect(
      scrubMetadata({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: at, d: undefined, e: 10n, f: () => 1, g: [undefined, 1] }),
    ).toEqual({ a: null, b: null, c: '2026-11-22T10:00:00.000Z', e: '10', g: [null, 1] });
  });

  it('caps depth, array length and the number of keys', () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: 'too deep' } } } } } } };
    expect(scrubMetadata(deep)).toEqual({ a: { b: { c: { d: { e: { f: TRUNCATED } } } } } });
    expect((scrubMetadata({ list: Array.from({ length: 500 }, (_, i) => i) }).list as number[]).length).toBe(LIMITS.arrayItems);
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(scrubMetadata(wide))).toHaveLength(LIMITS.objectKeys);
  });
});
