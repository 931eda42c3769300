import { isValidEmail, normalizeEmail } from './email';

describe('normalizeEmail', () => {
  it('trims surrounding whitespace', () => {
    expect(normalizeEmail('  ada@example.com\t\n')).toBe('ada@example.com');
  });

  it('lower-cases the whole address', () => {
    expect(normalizeEmail('Ada.Lovelace@Example.COM')).toBe('ada.lovelace@example.com');
  });

  it('trims and lower-cases together', () => {
    expect(normalizeEmail(' ADA@EXAMPLE.COM ')).toBe('ada@example.com');
  });

  it('leaves an already normal address unchanged', () => {
    expect(normalizeEmail('ada@example.com')).toBe('ada@example.com');
  });
});

describe('isValidEmail', () => {
  /** `local@domain` of exactly `total` characters, with a 64-character local part and DNS-legal labels. */
  function addressOfLength(total: number): string {
    const local = 'a'.repeat(64);
    const labels: string[] = [];
    let remaining = total - local.length - 1 - '.com'.length;
    while (remaining > 0) {
      const size = Math.min(63, remaining);
      labels.push('b'.repeat(size));
      remaining -= size + 1;
    }
    const address = `${local}@${labels.join('.')}.com`;
    expect(address).toHaveLength(total);
    return address;
  }

  it.each(['ada@example.com', 'first.last+tag@sub.example.co.uk', 'ADA@EXAMPLE.COM', 'a@b.co'])('accepts %s', (email) => {
    expect(isValidEmail(email)).toBe(true);
  });

  it.each([
    ['a missing TLD', 'a@b'],
    ['a bare host name', 'x@localhost'],
    ['a single-letter TLD', 'a@b.c'],
    ['an IPv4 domain', 'ada@127.0.0.1'],
    ['an IP literal domain', 'ada@[127.0.0.1]'],
    ['an IPv6 literal domain', 'ada@[IPv6:2001:db8::1]'],
    ['a display name', 'Ada <ada@example.com>'],
    ['a quoted display name', '"Ada Lovelace" <ada@example.com>'],
    ['a space in the local part', 'ada lovelace@example.com'],
    ['a space before the @', 'ada @example.com'],
    ['a space in the domain', 'ada@exa mple.com'],
    ['leading whitespace', ' ada@example.com'],
    ['trailing whitespace', 'ada@example.com '],
    ['a non-ASCII local part', 'adé@example.com'],
    ['a non-ASCII-only local part', 'ädä@example.com'],
    ['double dots in the local part', 'first..last@example.com'],
    ['double dots in the domain', 'ada@example..com'],
    ['a leading dot in the local part', '.ada@example.com'],
    ['a trailing dot in the local part', 'ada.@example.com'],
    ['an underscore in the domain', 'ada@ex_ample.com'],
    ['no local part', '@example.com'],
    ['no domain', 'ada@'],
    ['no @', 'ada.example.com'],
    ['an empty string', ''],
  ])('rejects %s', (_label, email) => {
    expect(isValidEmail(email)).toBe(false);
  });

  it('accepts a 64-character local part and rejects a 65-character one', () => {
    expect(isValidEmail(`${'a'.repeat(64)}@example.com`)).toBe(true);
    expect(isValidEmail(`${'a'.repeat(65)}@example.com`)).toBe(false);
  });

  it('accepts 254 characters in total and rejects 255', () => {
    expect(isValidEmail(addressOfLength(254))).toBe(true);
    expect(isValidEmail(addressOfLength(255))).toBe(false);
  });

  describe('quoted local parts', () => {
    // validator's isEmail has no option to forbid them; isValidEmail checks the local part itself.
    it('rejects a quoted local part', () => {
      expect(isValidEmail('"ada"@example.com')).toBe(false);
    });

    it('rejects a quoted local part containing a space', () => {
      expect(isValidEmail('"ada lovelace"@example.com')).toBe(false);
    });
  });
});
