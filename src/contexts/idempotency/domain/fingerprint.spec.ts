import { createHash } from 'node:crypto';
import { actingHeaders, callerOf, canonicalJson, conditionalHeaders, pathOf, requestFingerprint, scopeHash } from './fingerprint';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('keeps array order (arrays are ordered data)', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([3, 1, 2])).not.toBe(canonicalJson([1, 2, 3]));
  });

  it('gives the same text for the same object written in another key order', () => {
    const a = JSON.parse('{"name":"n","tags":["x","y"],"meta":{"b":true,"a":1.5}}') as unknown;
    const b = JSON.parse('{ "meta": { "a": 1.5, "b": true }, "tags": ["x", "y"], "name": "n" }') as unknown;
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('sorts keys by UTF-16 code unit, as RFC 8785 does', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4 })).toBe('{"B":2,"a":4,"b":1,"é":3}');
  });

  it('writes values as JSON.stringify does (undefined members dropped, dates as ISO strings)', () => {
    expect(canonicalJson({ a: undefined, b: new Date('2026-01-01T00:00:00Z'), c: 'x"y' })).toBe(
      '{"b":"2026-01-01T00:00:00.000Z","c":"x\\"y"}',
    );
  });

  it('treats a missing body like null', () => {
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(null)).toBe('null');
  });

  it('keeps scalars apart from their string forms', () => {
    expect(canonicalJson({ n: 1 })).not.toBe(canonicalJson({ n: '1' }));
    expect(canonicalJson({ n: true })).not.toBe(canonicalJson({ n: 'true' }));
  });
});

describe('requestFingerprint', () => {
  it('is a SHA-256 in hex', () => {
    expect(requestFingerprint({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for bodies that differ only in key order', () => {
    expect(requestFingerprint({ a: 1, b: { c: 2, d: 3 } })).toBe(requestFingerprint({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('differs for different bodies', () => {
    expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: 2 }));
    expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: 1, b: null }));
  });

  it('takes the query into account, in any parameter order', () => {
    expect(requestFingerprint({ a: 1 }, { x: '1' })).not.toBe(requestFingerprint({ a: 1 }, { x: '2' }));
    expect(requestFingerprint({ a: 1 }, { x: '1', y: '2' })).toBe(requestFingerprint({ a: 1 }, { y: '2', x: '1' }));
  });

  it('treats no body and no query like null and {}', () => {
    expect(requestFingerprint(undefined, undefined)).toBe(requestFingerprint(null, {}));
  });

  it('takes the preconditions into account', () => {
    expect(requestFingerprint({ a: 1 }, {}, { 'if-match': '"v1"' })).not.toBe(
      requestFingerprint({ a: 1 }, {}, { 'if-match': '"v2"' }),
    );
    expect(requestFingerprint({ a: 1 }, {}, { 'if-match': '"v1"' })).not.toBe(requestFingerprint({ a: 1 }));
    expect(requestFingerprint({ a: 1 }, {}, {})).toBe(requestFingerprint({ a: 1 }));
  });

  it('cannot be confused by moving a value between body and query', () => {
    expect(requestFingerprint({ x: '1' }, {})).not.toBe(requestFingerprint({}, { x: '1' }));
  });
});

describe('conditionalHeaders', () => {
  it('picks the precondition headers and nothing else', () => {
    expect(
      conditionalHeaders({
        'if-match': '"v1"',
        'if-unmodified-since': 'Tue, 01 Dec 2026 00:00:00 GMT',
        authorization: 'Bearer x',
        'idempotency-key': 'k',
        'x-request-id': 'r',
        'user-agent': 'ua',
      }),
    ).toEqual({ 'if-match': '"v1"', 'if-unmodified-since': 'Tue, 01 Dec 2026 00:00:00 GMT' });
    expect(conditionalHeaders({ 'if-none-match': '*' })).toEqual({ 'if-none-match': '*' });
    expect(conditionalHeaders({})).toEqual({});
  });
});

describe('scope', () => {
  const base = { userId: 'f1b0c3a2-0000-4000-8000-000000000001', ip: '203.0.113.9', method: 'POST', path: '/api/v1/projects' };

  it('identifies a user by id and an anonymous caller by IP', () => {
    expect(callerOf(base)).toBe(`user:${base.userId}`);
    expect(callerOf({ userId: null, ip: '203.0.113.9' })).toBe('anon:203.0.113.9');
    expect(callerOf({ userId: null, ip: null })).toBe('anon:unknown');
  });

  it('strips the query string and fragment from the path', () => {
    expect(pathOf('/api/v1/projects/a?x=1&y=2')).toBe('/api/v1/projects/a');
    expect(pathOf('/api/v1/projects/a#f')).toBe('/api/v1/projects/a');
    expect(pathOf('/api/v1/projects/a')).toBe('/api/v1/projects/a');
  });

  it('is a SHA-256 that contains neither the user id nor the IP', () => {
    const hash = scopeHash(base);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(base.userId);
    expect(scopeHash({ ...base, userId: null })).not.toContain('203.0.113.9');
  });

  it('differs per caller, method and concrete path', () => {
    const hashes = new Set([
      scopeHash(base),
      scopeHash({ ...base, userId: 'f1b0c3a2-0000-4000-8000-000000000002' }),
      scopeHash({ ...base, userId: null }),
      scopeHash({ ...base, userId: null, ip: '198.51.100.1' }),
      scopeHash({ ...base, method: 'PATCH' }),
      scopeHash({ ...base, path: '/api/v1/projects/a' }),
      scopeHash({ ...base, path: '/api/v1/projects/b' }),
    ]);
    expect(hashes.size).toBe(7);
  });

  it('differs per tenant the request acts in, and hashes as before without one', () => {
    const tenant = 'A1B2C3D4-0000-4000-8000-00000000000A';
    const inTenant = scopeHash({ ...base, acting: actingHeaders({ 'x-tenant-id': ` ${tenant} ` }) });
    expect(inTenant).not.toBe(scopeHash(base));
    expect(inTenant).toBe(scopeHash({ ...base, acting: actingHeaders({ 'x-tenant-id': tenant.toLowerCase() }) }));
    expect(inTenant).not.toBe(
      scopeHash({ ...base, acting: actingHeaders({ 'x-tenant-id': 'a1b2c3d4-0000-4000-8000-00000000000b' }) }),
    );
    // Keys stored before the tenant was part of the scope keep their hash: no header, no part.
    expect(scopeHash({ ...base, acting: actingHeaders({}) })).toBe(
      createHash('sha256').update(`user:${base.userId}\nPOST\n/api/v1/projects`).digest('hex'),
    );
    expect(actingHeaders({ 'x-tenant-id': '  ' })).toEqual({});
  });

  it('ignores the query string and the method case', () => {
    expect(scopeHash({ ...base, path: '/api/v1/projects?page=2' })).toBe(scopeHash(base));
    expect(scopeHash({ ...base, method: 'post' })).toBe(scopeHash(base));
  });

  it('keeps an anonymous caller apart from a user whose id looks like an IP', () => {
    expect(scopeHash({ ...base, userId: null, ip: 'x' })).not.toBe(scopeHash({ ...base, userId: 'x', ip: null }));
  });
});
