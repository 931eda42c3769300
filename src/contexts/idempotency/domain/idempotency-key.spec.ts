import { checkIdempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-key';

describe('checkIdempotencyKey', () => {
  it.each([
    ['a UUID', '8e2f1c2a-6f1d-4d35-9f5e-0b8f1f0b6a1e'],
    ['one character', 'x'],
    ['every visible ASCII character', Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('')],
    ['exactly 255 characters', 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH)],
    ['quotes as part of the key', '"quoted"'],
  ])('accepts %s', (_label, key) => {
    expect(checkIdempotencyKey(key)).toEqual({ valid: true, key });
  });

  it('refuses an empty key', () => {
    expect(checkIdempotencyKey('')).toEqual({ valid: false, reason: 'empty' });
  });

  it('refuses 256 characters', () => {
    expect(checkIdempotencyKey('k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1))).toEqual({ valid: false, reason: 'too_long' });
  });

  it.each([
    ['a space', 'abc def'],
    ['a tab', 'abc\tdef'],
    ['a NUL', 'abc\u0000'],
    ['a newline', 'abc\ndef'],
    ['DEL', 'abc\u007f'],
    ['a non-ASCII letter', 'clé'],
    ['an emoji', 'key-🔑'],
    ['a non-breaking space', 'a\u00a0b'],
  ])('refuses %s', (_label, key) => {
    expect(checkIdempotencyKey(key)).toEqual({ valid: false, reason: 'invalid_characters' });
  });

  it('refuses a repeated header (Node hands over an array)', () => {
    expect(checkIdempotencyKey(['a', 'b'])).toEqual({ valid: false, reason: 'repeated' });
  });

  it('checks the length before the characters, so an overlong key is reported as too long', () => {
    expect(checkIdempotencyKey(' '.repeat(300))).toEqual({ valid: false, reason: 'too_long' });
  });
});
