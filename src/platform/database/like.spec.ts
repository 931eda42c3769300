import { escapeLike } from './like';

describe('escapeLike', () => {
  it.each([
    ['plain text', 'plain text'],
    ['100%', '100\\%'],
    ['snake_case', 'snake\\_case'],
    ['back\\slash', 'back\\\\slash'],
    ['%_\\', '\\%\\_\\\\'],
    ['', ''],
  ])('escapes %p as %p', (input, expected) => {
    expect(escapeLike(input)).toBe(expected);
  });
});
