import { type Argon2Params, needsRehash, parseArgon2Params } from './argon2-params';

const SALT_AND_HASH = 'c29tZXNhbHRzb21lc2FsdA$J3M0l2Yk9v2Cz0yq4e0wMZc4pXK1R8Y3d2Bq3Q2b6Fo';
const phc = (variant: string, params: string, version = 'v=19$'): string => `$${variant}$${version}${params}$${SALT_AND_HASH}`;

const TARGET: Argon2Params = { memoryKib: 19456, timeCost: 2, parallelism: 1 };

describe('parseArgon2Params', () => {
  it('parses an argon2id PHC string', () => {
    expect(parseArgon2Params(phc('argon2id', 'm=19456,t=2,p=1'))).toEqual({
      variant: 'argon2id',
      memoryKib: 19456,
      timeCost: 2,
      parallelism: 1,
    });
  });

  it('parses parameters in any order', () => {
    const expected = { variant: 'argon2id', memoryKib: 19456, timeCost: 2, parallelism: 1 };
    expect(parseArgon2Params(phc('argon2id', 'm=19456,p=1,t=2'))).toEqual(expected);
    expect(parseArgon2Params(phc('argon2id', 'p=1,t=2,m=19456'))).toEqual(expected);
  });

  it('parses the argon2i and argon2d variants', () => {
    expect(parseArgon2Params(phc('argon2i', 'm=4096,t=3,p=1'))).toEqual({
      variant: 'argon2i',
      memoryKib: 4096,
      timeCost: 3,
      parallelism: 1,
    });
    expect(parseArgon2Params(phc('argon2d', 'm=65536,t=4,p=2'))).toEqual({
      variant: 'argon2d',
      memoryKib: 65536,
      timeCost: 4,
      parallelism: 2,
    });
  });

  it('accepts a string without the version segment', () => {
    expect(parseArgon2Params(phc('argon2id', 'm=19456,t=2,p=1', ''))).toEqual({
      variant: 'argon2id',
      memoryKib: 19456,
      timeCost: 2,
      parallelism: 1,
    });
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'not a hash'],
    ['a bcrypt hash', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'],
    ['an unknown variant', phc('argon2x', 'm=19456,t=2,p=1')],
    ['a missing leading $', phc('argon2id', 'm=19456,t=2,p=1').slice(1)],
    ['no salt/hash after the parameters', '$argon2id$v=19$m=19456,t=2,p=1'],
    ['a missing parameter', phc('argon2id', 'm=19456,t=2')],
    ['a non-numeric parameter', phc('argon2id', 'm=lots,t=2,p=1')],
    ['a zero parameter', phc('argon2id', 'm=19456,t=0,p=1')],
    ['no parameters at all', '$argon2id$v=19$$salt$hash'],
  ])('returns undefined for %s', (_label, hash) => {
    expect(parseArgon2Params(hash)).toBeUndefined();
  });
});

describe('needsRehash', () => {
  it('is false for argon2id with exactly the target parameters', () => {
    expect(needsRehash(phc('argon2id', 'm=19456,t=2,p=1'), TARGET)).toBe(false);
    expect(needsRehash(phc('argon2id', 'm=19456,p=1,t=2'), TARGET)).toBe(false);
  });

  it('is false for argon2id with stronger parameters', () => {
    expect(needsRehash(phc('argon2id', 'm=65536,t=3,p=4'), TARGET)).toBe(false);
    expect(needsRehash(phc('argon2id', 'm=19457,t=2,p=1'), TARGET)).toBe(false);
  });

  it('is true for argon2i even with stronger parameters', () => {
    expect(needsRehash(phc('argon2i', 'm=65536,t=3,p=4'), TARGET)).toBe(true);
  });

  it('is true for argon2d even with stronger parameters', () => {
    expect(needsRehash(phc('argon2d', 'm=65536,t=3,p=4'), TARGET)).toBe(true);
  });

  it('is true when memory is below the target', () => {
    expect(needsRehash(phc('argon2id', 'm=19455,t=2,p=1'), TARGET)).toBe(true);
  });

  it('is true when time cost is below the target', () => {
    expect(needsRehash(phc('argon2id', 'm=65536,t=1,p=4'), TARGET)).toBe(true);
  });

  it('is true when parallelism is below the target', () => {
    expect(needsRehash(phc('argon2id', 'm=65536,t=3,p=1'), { ...TARGET, parallelism: 2 })).toBe(true);
  });

  it('is true for a hash it cannot parse', () => {
    expect(needsRehash('', TARGET)).toBe(true);
    expect(needsRehash('garbage', TARGET)).toBe(true);
    expect(needsRehash('$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy', TARGET)).toBe(true);
    expect(needsRehash(phc('argon2id', 'm=19456,t=2'), TARGET)).toBe(true);
  });
});
