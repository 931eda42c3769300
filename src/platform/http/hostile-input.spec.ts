import { inspectJson, isStorableString, MAX_JSON_DEPTH, MAX_JSON_NODES } from './hostile-input';

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('hostile JSON input', () => {
  it('accepts ordinary bodies, scalars and unicode (paired surrogates included)', () => {
    expect(inspectJson({ name: 'Zoë 🚀', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } })).toEqual({ ok: true });
    expect(inspectJson('plain')).toEqual({ ok: true });
    expect(inspectJson(42)).toEqual({ ok: true });
    expect(inspectJson(null)).toEqual({ ok: true });
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels, at any size`, () => {
    expect(inspectJson(nested(MAX_JSON_DEPTH))).toEqual({ ok: true });
    expect(inspectJson(nested(MAX_JSON_DEPTH + 1))).toEqual({ ok: false, kind: 'too_deep' });
    expect(inspectJson(nested(100_000))).toEqual({ ok: false, kind: 'too_deep' });
    expect(inspectJson({ a: { b: { c: 1 } } }, { depth: 2, nodes: 100 })).toEqual({ ok: false, kind: 'too_deep' });
  });

  it(`refuses more than ${MAX_JSON_NODES} keys and elements in all`, () => {
    expect(inspectJson(new Array(MAX_JSON_NODES).fill(0))).toEqual({ ok: true });
    expect(inspectJson(new Array(MAX_JSON_NODES + 1).fill(0))).toEqual({ ok: false, kind: 'too_large' });
    const wide = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, new Array(200).fill('x')]));
    expect(inspectJson(wide)).toEqual({ ok: false, kind: 'too_large' });
  });

  it('names every field holding NUL or a lone surrogate, nested paths dotted', () => {
    const verdict = inspectJson({
      name: 'a\u0000b',
      items: [{ title: 'fine' }, { title: 'x\ud800' }],
      deep: { ok: '\ud83d\ude80', bad: '\udc00y' },
    });
    expect(verdict).toMatchObject({ ok: false, kind: 'bad_string' });
    expect(verdict.ok === false && verdict.kind === 'bad_string' && verdict.errors.map((e) => e.field)).toEqual([
      'name',
      'items.1.title',
      'deep.bad',
    ]);
  });

  it('checks keys too, and echoes a bad key escaped', () => {
    const verdict = inspectJson({ 'we\u0000ird': 1 });
    expect(verdict).toEqual({
      ok: false,
      kind: 'bad_string',
      errors: [{ field: 'we\\u0000ird', code: 'invalid_characters', message: expect.any(String) }],
    });
  });

  it('refuses a bare unstorable string body', () => {
    expect(inspectJson('\ud800')).toMatchObject({ ok: false, kind: 'bad_string', errors: [{ field: '' }] });
  });

  it('isStorableString', () => {
    expect(isStorableString('ok 🚀')).toBe(true);
    expect(isStorableString('\u0000')).toBe(false);
    expect(isStorableString('\ud800')).toBe(false);
    expect(isStorableString('\udfff\ud800')).toBe(false);
  });
});
