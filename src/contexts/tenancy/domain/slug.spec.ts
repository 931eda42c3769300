import { isReservedSlug, normaliseSlug, personalSlug, RESERVED_SLUGS, SLUG_PATTERN, slugErrors } from './slug';

describe('tenant slugs', () => {
  it('normalises what a client sends: trimmed, lower-cased', () => {
    expect(normaliseSlug('  Acme-Corp ')).toBe('acme-corp');
  });

  it.each(['acme', 'a1b', 'acme-corp', 'x'.repeat(63), '123', 'a-b-c'])('accepts %p', (slug) => {
    expect(slugErrors(slug)).toEqual([]);
  });

  it.each([
    ['too short', 'ab'],
    ['too long', 'x'.repeat(64)],
    ['upper case (not normalised)', 'Acme'],
    ['a leading hyphen', '-acme'],
    ['a trailing hyphen', 'acme-'],
    ['an underscore', 'ac_me'],
    ['a dot', 'ac.me'],
    ['white space', 'ac me'],
    ['non-ASCII letters', 'äcme'],
    ['empty', ''],
  ])('refuses %s as invalid_slug', (_label, slug) => {
    expect(SLUG_PATTERN.test(slug)).toBe(false);
    expect(slugErrors(slug)).toEqual([expect.objectContaining({ field: 'slug', code: 'invalid_slug' })]);
  });

  it.each(['admin', 'api', 'www', 'console', 'tenants'])('refuses the reserved %p as reserved_slug', (slug) => {
    expect(isReservedSlug(slug)).toBe(true);
    expect(slugErrors(slug)).toEqual([
      expect.objectContaining({ code: 'reserved_slug', message: expect.stringContaining('reserved') }),
    ]);
  });

  it('keeps the u- prefix for personal tenants', () => {
    expect(slugErrors('u-something')).toEqual([
      expect.objectContaining({ code: 'reserved_slug', message: expect.stringContaining('personal tenants') }),
    ]);
    expect(slugErrors('uber')).toEqual([]);
  });

  it('names the field it is given', () => {
    expect(slugErrors('x', 'handle')[0]).toMatchObject({ field: 'handle', message: expect.stringMatching(/^handle /) });
  });

  it('reserves only valid slugs (each could otherwise be chosen)', () => {
    for (const slug of RESERVED_SLUGS) expect(SLUG_PATTERN.test(slug)).toBe(true);
  });

  it('derives a personal tenant’s slug from its owner’s id: u- and 32 hex digits, itself a valid slug', () => {
    const slug = personalSlug('3F1C2A9E-8D4B-4C1A-9F2E-7B6D5C4A3B21');
    expect(slug).toBe('u-3f1c2a9e8d4b4c1a9f2e7b6d5c4a3b21');
    expect(slug).toHaveLength(34);
    expect(SLUG_PATTERN.test(slug)).toBe(true);
  });
});
