import { EmailPseudonyms } from './email-pseudonyms';

const KEY = 'k'.repeat(32);

describe('EmailPseudonyms', () => {
  it('gives one address one pseudonym, whatever its case or surrounding space', () => {
    const p = new EmailPseudonyms(KEY);
    expect(p.of('Jane@Example.com')).toBe(p.of(' jane@example.com '));
    expect(p.of('jane@example.com')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives other addresses, and other keys, other pseudonyms', () => {
    const p = new EmailPseudonyms(KEY);
    expect(p.of('jane@example.com')).not.toBe(p.of('john@example.com'));
    expect(new EmailPseudonyms('x'.repeat(32)).of('jane@example.com')).not.toBe(p.of('jane@example.com'));
  });

  it('never contains the address', () => {
    expect(new EmailPseudonyms(KEY).of('jane@example.com')).not.toContain('jane');
  });

  it('refuses a short key', () => {
    expect(() => new EmailPseudonyms('short')).toThrow(/at least 32/);
  });
});
