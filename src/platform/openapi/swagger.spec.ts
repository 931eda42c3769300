import { stableStringify } from './swagger';

describe('stableStringify', () => {
  it('sorts keys at every depth', () => {
    const text = stableStringify({ b: 1, a: { d: 1, c: { f: 1, e: 2 } } });
    expect(text).toBe(
      ['{', '  "a": {', '    "c": {', '      "e": 2,', '      "f": 1', '    },', '    "d": 1', '  },', '  "b": 1', '}', ''].join(
        '\n',
      ),
    );
  });

  it('keeps the order of arrays, sorting the keys of objects inside them', () => {
    const parsed = JSON.parse(stableStringify({ list: [3, 1, 2, { z: 1, y: 2 }] })) as { list: unknown[] };
    expect(parsed.list).toEqual([3, 1, 2, { y: 2, z: 1 }]);
    expect(Object.keys(parsed.list[3] as object)).toEqual(['y', 'z']);
  });

  it('ends with a newline and indents by two spaces', () => {
    const text = stableStringify({ a: [1] });
    expect(text).toBe('{\n  "a": [\n    1\n  ]\n}\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('gives the same text whatever the key insertion order', () => {
    const one: Record<string, unknown> = {};
    one.paths = { '/b': { get: 1 }, '/a': { post: 2, get: 1 } };
    one.info = { version: '1', title: 'x' };
    const two: Record<string, unknown> = {};
    two.info = { title: 'x', version: '1' };
    two.paths = { '/a': { get: 1, post: 2 }, '/b': { get: 1 } };
    expect(stableStringify(one)).toBe(stableStringify(two));
    expect(JSON.parse(stableStringify(one))).toEqual(one);
  });

  it('serialises scalars and null as JSON does', () => {
    expect(stableStringify(null)).toBe('null\n');
    expect(stableStringify('x')).toBe('"x"\n');
    expect(stableStringify(42)).toBe('42\n');
    expect(stableStringify({ a: null, b: false })).toBe('{\n  "a": null,\n  "b": false\n}\n');
  });
});
