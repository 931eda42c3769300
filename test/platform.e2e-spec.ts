import { createTestApp, type TestApp } from './support/app';
import { ConventionsTestModule } from './support/conventions.module';
import { cutOff, restore } from './support/database';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('platform HTTP conventions (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ imports: [ConventionsTestModule], env: { MAX_REQUEST_SIZE_BYTES: '2048' } });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('errors are problem+json', () => {
    it('unknown route -> 404 with request_id', async () => {
      const res = await t.inject({ method: 'GET', url: '/api/v1/nope' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({ status: 404, code: 'not_found', title: 'Not Found' });
      expect(body.type).toMatch(/^https:\/\//);
      expect(body.request_id).toMatch(UUID);
      expect(res.headers['x-request-id']).toBe(body.request_id);
    });

    it('an unstorable string in the query: 400 on a route, 404 where there is none', async () => {
      const hostile = '?page=1&q=a%00b';
      const onRoute = await t.inject({ method: 'GET', url: `/api/v1/test-conventions/items${hostile}` });
      expect(onRoute.statusCode).toBe(400);
      expect(onRoute.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'q' }] });
      const nowhere = await t.inject({ method: 'GET', url: `/api/v1/nope${hostile}` });
      expect(nowhere.statusCode).toBe(404);
      expect(nowhere.json()).toMatchObject({ status: 404, code: 'not_found' });
    });

    it('malformed JSON -> 400 malformed_json', async () => {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/test-conventions/echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 400, code: 'malformed_json' });
    });

    it('wrong content type -> 415', async () => {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/test-conventions/echo',
        headers: { 'content-type': 'text/plain' },
        payload: 'name=x',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    });

    it('oversized body -> 413 before parsing', async () => {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/test-conventions/echo',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'x'.repeat(5000) }),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ status: 413, code: 'payload_too_large' });
    });

    it('validation -> 400 listing every field error, unknown fields included', async () => {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/test-conventions/echo',
        payload: { name: '', count: 99, extra: true },
      });
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.code).toBe('validation_failed');
      const fields = body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`);
      expect(fields).toEqual(expect.arrayContaining(['name:is_length', 'count:max', 'extra:unknown_field']));
    });

    it.each([
      ['the body', 'valueOf', 'POST', '/api/v1/test-conventions/echo', { name: 'ok', valueOf: 1 }],
      ['the body', 'constructor', 'POST', '/api/v1/test-conventions/echo', { name: 'ok', constructor: 1 }],
      ['the body', 'toString', 'POST', '/api/v1/test-conventions/echo', { name: 'ok', toString: 'x' }],
      ['the query', 'constructor', 'GET', '/api/v1/test-conventions/items?constructor=1', undefined],
      ['the query', 'hasOwnProperty', 'GET', '/api/v1/test-conventions/items?hasOwnProperty=1', undefined],
      ['the query', '__proto__', 'GET', '/api/v1/test-conventions/items?__proto__=1', undefined],
    ] as const)('an unknown field in %s named %s (an Object.prototype member) is refused like any other', async (...c) => {
      const [, field, method, url, payload] = c;
      const res = await t.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ field, code: 'unknown_field' }] });
    });

    it('valid body passes through', async () => {
      const res = await t.inject({ method: 'POST', url: '/api/v1/test-conventions/echo', payload: { name: 'ok', count: 2 } });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ name: 'ok', count: 2 });
    });

    it('domain errors keep their code, headers and extensions', async () => {
      const res = await t.inject({ method: 'GET', url: '/api/v1/test-conventions/domain-error' });
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.json()).toMatchObject({ code: 'too_many_attempts', retry_after: 7, detail: 'Slow down.' });
    });

    it('unexpected errors -> 500 without internals', async () => {
      const res = await t.inject({ method: 'GET', url: '/api/v1/test-conventions/boom' });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('secret internal detail');
      expect(res.body).not.toContain('at ');
      expect(res.json()).toMatchObject({ status: 500, code: 'internal_error' });
    });
  });

  describe('X-Request-Id', () => {
    it('echoes a sane client id', async () => {
      const res = await t.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'client-abc.123' } });
      expect(res.headers['x-request-id']).toBe('client-abc.123');
    });

    it('replaces an unsafe client id with a UUID', async () => {
      const res = await t.inject({ method: 'GET', url: '/api/v1/nope', headers: { 'x-request-id': 'bad id\twith spaces' } });
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.json().request_id).toBe(res.headers['x-request-id']);
    });
  });

  describe('pagination and ETags', () => {
    it('returns the page envelope', async () => {
      const res = await t.inject({ method: 'GET', url: '/api/v1/test-conventions/items?page=3&page_size=20' });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ total: 45, page: 3, page_size: 20, pages: 3 });
      expect(body.items).toHaveLength(5);
      expect(res.headers['cache-control']).toBe('private, no-cache');
    });

    it.each(['page=0', 'page=abc', 'page_size=101', 'page_size=-1', 'page=1.5'])('rejects %s with 400', async (query) => {
      const res = await t.inject({ method: 'GET', url: `/api/v1/test-conventions/items?${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    });

    it('sends a strong ETag and answers If-None-Match with 304 and no body', async () => {
      const first = await t.inject({ method: 'GET', url: '/api/v1/test-conventions/items' });
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const again = await t.inject({ method: 'GET', url: '/api/v1/test-conventions/items', headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      const other = await t.inject({
        method: 'GET',
        url: '/api/v1/test-conventions/items?page=2',
        headers: { 'if-none-match': etag },
      });
      expect(other.statusCode).toBe(200);
      expect(other.headers.etag).not.toBe(etag);
    });

    it('gives a HEAD the GET’s ETag and 304, and the probes and metrics none', async () => {
      const get = await t.inject({ method: 'GET', url: '/api/v1/test-conventions/items' });
      const head = await t.inject({ method: 'HEAD', url: '/api/v1/test-conventions/items' });
      expect(head.statusCode).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers.etag).toBe(get.headers.etag);
      expect(head.headers['cache-control']).toBe('private, no-cache');
      const again = await t.inject({
        method: 'HEAD',
        url: '/api/v1/test-conventions/items',
        headers: { 'if-none-match': get.headers.etag as string },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      for (const url of ['/health/live', '/health/ready', '/metrics']) {
        const res = await t.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        expect(res.headers.etag).toBeUndefined();
      }
    });
  });

  describe('probes', () => {
    it('liveness reports version and git sha', async () => {
      const res = await t.inject({ method: 'GET', url: '/health/live' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', version: expect.any(String), git_sha: expect.any(String) });
    });

    it('readiness is 200 with the database up and 503 with details when it is unreachable', async () => {
      const up = await t.inject({ method: 'GET', url: '/health/ready' });
      expect(up.statusCode).toBe(200);
      expect(up.json()).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });

      await cutOff(t.db);
      try {
        const down = await t.inject({ method: 'GET', url: '/health/ready' });
        expect(down.statusCode).toBe(503);
        expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(down.json()).toMatchObject({ code: 'not_ready', checks: { database: { status: 'down' } } });
      } finally {
        await restore(t.db);
      }
      const back = await t.inject({ method: 'GET', url: '/health/ready' });
      expect(back.statusCode).toBe(200);
    });
  });

  describe('API docs', () => {
    it('serves the OpenAPI JSON with the bearer scheme and the Swagger UI', async () => {
      const json = await t.inject({ method: 'GET', url: '/docs-json' });
      expect(json.statusCode).toBe(200);
      expect(json.json().components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const ui = await t.inject({ method: 'GET', url: '/docs' });
      expect(ui.statusCode).toBe(200);
      expect(ui.body).toContain('swagger');
    });
  });
});
