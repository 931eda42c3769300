import { createHash } from 'node:crypto';
import { ifMatchSatisfied, ifNoneMatchSatisfied, strongEtag } from './etag';

describe('strongEtag', () => {
  it('is a quoted, strong (not W/) tag', () => {
    const etag = strongEtag({ id: 1 });
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(etag.startsWith('W/')).toBe(false);
  });

  it('is the base64url SHA-256 of the JSON representation', () => {
    const value = { id: 'a', n: [1, 2] };
    const expected = createHash('sha256').update(JSON.stringify(value)).digest('base64url');
    expect(strongEtag(value)).toBe(`"${expected}"`);
  });

  it('is deterministic', () => {
    expect(strongEtag({ a: 1, b: [true, null] })).toBe(strongEtag({ a: 1, b: [true, null] }));
  });

  it('differs for different values', () => {
    const tags = new Set([strongEtag({ a: 1 }), strongEtag({ a: 2 }), strongEtag({ b: 1 }), strongEtag([1]), strongEtag('x')]);
    expect(tags.size).toBe(5);
  });

  it('hashes strings and buffers as raw bytes', () => {
    expect(strongEtag('hello')).toBe(strongEtag(Buffer.from('hello')));
    expect(strongEtag('hello')).not.toBe(strongEtag(JSON.stringify('hello')));
  });
});

describe('ifNoneMatchSatisfied (weak comparison)', () => {
  const etag = strongEtag({ id: 1 });
  const other = strongEtag({ id: 2 });

  it('is false without a header', () => {
    expect(ifNoneMatchSatisfied(undefined, etag)).toBe(false);
    expect(ifNoneMatchSatisfied('', etag)).toBe(false);
  });

  it('matches the same tag', () => {
    expect(ifNoneMatchSatisfied(etag, etag)).toBe(true);
  });

  it('matches the weak form of the same tag', () => {
    expect(ifNoneMatchSatisfied(`W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchSatisfied(etag, `W/${etag}`)).toBe(true);
  });

  it('does not match another tag', () => {
    expect(ifNoneMatchSatisfied(other, etag)).toBe(false);
    expect(ifNoneMatchSatisfied(`W/${other}`, etag)).toBe(false);
  });

  it('matches when any tag of a list matches, whatever the spacing', () => {
    expect(ifNoneMatchSatisfied(`${other},  W/${etag} , "x"`, etag)).toBe(true);
    expect(ifNoneMatchSatisfied(`${other}, "x"`, etag)).toBe(false);
  });

  it('matches any representation with *', () => {
    expect(ifNoneMatchSatisfied('*', etag)).toBe(true);
  });
});

describe('ifMatchSatisfied (strong comparison)', () => {
  const etag = strongEtag({ id: 1 });
  const other = strongEtag({ id: 2 });

  it('is satisfied when the header is absent', () => {
    expect(ifMatchSatisfied(undefined, etag)).toBe(true);
  });

  it('is satisfied by *', () => {
    expect(ifMatchSatisfied('*', etag)).toBe(true);
  });

  it('matches the same strong tag', () => {
    expect(ifMatchSatisfied(etag, etag)).toBe(true);
    expect(ifMatchSatisfied(`${other}, ${etag}`, etag)).toBe(true);
  });

  it('never matches a weak tag', () => {
    expect(ifMatchSatisfied(`W/${etag}`, etag)).toBe(false);
    expect(ifMatchSatisfied(`W/${etag}`, `W/${etag}`)).toBe(false);
  });

  it('does not match another tag', () => {
    expect(ifMatchSatisfied(other, etag)).toBe(false);
    expect(ifMatchSatisfied(`${other}, "x"`, etag)).toBe(false);
  });

  it('is not satisfied by a present but empty header', () => {
    expect(ifMatchSatisfied('', etag)).toBe(false);
  });
});
