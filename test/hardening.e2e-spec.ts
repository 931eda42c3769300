import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { login, register, requestToken, STRONG_PASSWORD, uniqueEmail } from './support/auth';
import { ConventionsTestModule } from './support/conventions.module';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
const ORIGIN = 'https://app.example.com';
const PRODUCTION = {
  APP_ENV: 'production',
  JWT_SECRET: 'p9G$vR2!kL7#qW4@zX8%mN3^bT6&yH1*cJ5(fD0)sA9-eU2+iO7=lP4~gK8?rM1;',
  METRICS_TOKEN,
  MFA_ENCRYPTION_KEYS: `prod1:${Buffer.alloc(32, 3).toString('base64')}`,
  DB_MIGRATE_ON_START: 'true',
  // The harness logs in as a superuser: queries run as the runtime role, as production requires.
  DB_RUNTIME_ROLE: 'bastion_runtime',
  SHUTDOWN_GRACE_MS: '0',
};

function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('security headers, CORS, CSP reports and metrics (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: { CORS_ORIGINS: `${ORIGIN},http://localhost:5173`, METRICS_TOKEN },
      imports: [ConventionsTestModule],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const scrape = async (): Promise<string> => {
    const res = await t.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  describe('security headers', () => {
    it('outside production: strict CSP, framing denied, no referrer, no HSTS, and a reporting report-only policy', async () => {
      const res = await t.inject({ method: 'GET', url: '/health/live' });
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
      );
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['permissions-policy']).toContain('camera=()');
      expect(res.headers['permissions-policy']).toContain('geolocation=()');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['content-security-policy-report-only']).toBe(
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; report-uri /api/v1/security/csp-report; report-to csp-endpoint",
      );
      expect(res.headers['reporting-endpoints']).toBe('csp-endpoint="/api/v1/security/csp-report"');
      expect(JSON.parse(String(res.headers['report-to']))).toMatchObject({
        group: 'csp-endpoint',
        endpoints: [{ url: '/api/v1/security/csp-report' }],
      });
    });

    it('error responses carry them too', async () => {
      const res = await t.inject({ method: 'GET', url: '/api/v1/no-such-route' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    });

    it('Swagger UI gets only the relaxation it needs, and loads', async () => {
      const res = await t.inject({ method: 'GET', url: '/docs' });
      expect(res.statusCode).toBe(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      const script = await t.inject({ method: 'GET', url: '/docs/swagger-ui-init.js' });
      expect(script.statusCode).toBe(200);
    });

    it('in production: HSTS for a year with subdomains and preload, and no report-only policy', async () => {
      await withTestApp({ env: PRODUCTION }, async (prod) => {
        const res = await prod.inject({ method: 'GET', url: '/health/live' });
        expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains; preload');
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
        expect(res.headers['content-security-policy-report-only']).toBeUndefined();
        expect(res.headers['reporting-endpoints']).toBeUndefined();
        expect(res.headers['x-frame-options']).toBe('DENY');
      });
    });
  });

  describe('CORS', () => {
    it('echoes an allowed origin with credentials and the exposed headers', async () => {
      const res = await t.inject({ method: 'GET', url: '/health/live', headers: { origin: ORIGIN } });
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(String(res.headers['access-control-expose-headers'])).toContain('x-request-id');
      expect(String(res.headers['access-control-expose-headers'])).toContain('x-ratelimit-remaining');
      expect(String(res.headers.vary)).toMatch(/origin/i);
    });

    it('gives a disallowed origin no Access-Control-Allow-Origin', async () => {
      const res = await t.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://evil.example.net' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('answers a preflight for an allowed origin, and not for another', async () => {
      const preflight = (origin: string): Promise<LightMyRequestResponse> =>
        t.inject({
          method: 'OPTIONS',
          url: '/api/v1/auth/token',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type,idempotency-key',
          },
        });
      const ok = await preflight('http://localhost:5173');
      expect(ok.statusCode).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      expect(String(ok.headers['access-control-allow-methods'])).toContain('POST');
      expect(String(ok.headers['access-control-allow-headers'])).toContain('idempotency-key');
      expect(ok.headers['access-control-max-age']).toBe('600');
      const refused = await preflight('https://evil.example.net');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      expect(refused.headers['access-control-allow-methods']).toBeUndefined();
    });

    it('lets a page of an allowed origin send X-Tenant-Id (tenant-owned routes)', async () => {
      const res = await t.inject({
        method: 'OPTIONS',
        url: '/api/v1/projects',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-tenant-id',
        },
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      const allowed = String(res.headers['access-control-allow-headers']).split(/,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-tenant-id']));
    });
  });

  describe('the router’s own refusals', () => {
    /** Headers that differ between any two responses, or by status and body. */
    const PER_RESPONSE = new Set(['date', 'content-length', 'content-type', 'x-request-id', 'connection', 'keep-alive']);
    const shared = (headers: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_RESPONSE.has(name)));

    it.each([
      ['a malformed percent-encoding', '/api/v1/projects/%ZZ', 'invalid_encoding'],
      ['a path parameter over 100 characters', `/api/v1/projects/${'a'.repeat(101)}`, 'max_length'],
    ])(
      '%s: 400 problem+json with the request id, and the security and CORS headers of every other response',
      async (_label, url, code) => {
        const headers = { origin: ORIGIN, 'x-request-id': 'router-refusal-1' };
        const res = await t.inject({ method: 'GET', url, headers });
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toMatchObject({
          status: 400,
          code: 'validation_failed',
          request_id: 'router-refusal-1',
          errors: [{ field: 'path', code }],
        });
        expect(res.headers['x-request-id']).toBe('router-refusal-1');
        // The same headers as a refusal that went through the hooks (security headers, CORS).
        const ordinary = await t.inject({ method: 'GET', url: '/api/v1/no-such-route', headers });
        expect(ordinary.headers['access-control-allow-origin']).toBe(ORIGIN);
        expect(ordinary.headers['x-frame-options']).toBe('DENY');
        expect(shared(res.headers)).toEqual(shared(ordinary.headers));

        const stranger = await t.inject({ method: 'GET', url, headers: { origin: 'https://evil.example.net' } });
        expect(stranger.statusCode).toBe(400);
        expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
        expect(stranger.headers['x-request-id']).toBe(stranger.json().request_id);
      },
    );
  });

  describe('CSP reports', () => {
    const legacy = {
      'csp-report': {
        'document-uri': 'http://localhost:3000/docs',
        'violated-directive': 'script-src-elem',
        'effective-directive': 'script-src-elem',
        'blocked-uri': 'https://cdn.example.net/x.js',
        disposition: 'report',
      },
    };
    const post = (payload: string, contentType: string): Promise<LightMyRequestResponse> =>
      t.inject({ method: 'POST', url: '/api/v1/security/csp-report', payload, headers: { 'content-type': contentType } });

    it('accepts both report formats and counts violations by directive', async () => {
      const before = metricValue(await scrape(), 'csp_violations_total', { directive: 'script-src-elem' });
      expect((await post(JSON.stringify(legacy), 'application/csp-report')).statusCode).toBe(204);
      const batch = [
        {
          type: 'csp-violation',
          body: { effectiveDirective: 'script-src-elem', blockedURL: 'inline', documentURL: 'http://localhost/' },
        },
        { type: 'csp-violation', body: { effectiveDirective: 'img-src', blockedURL: 'data' } },
      ];
      expect((await post(JSON.stringify(batch), 'application/reports+json')).statusCode).toBe(204);
      const after = await scrape();
      expect(metricValue(after, 'csp_violations_total', { directive: 'script-src-elem' })).toBe(before + 2);
      expect(metricValue(after, 'csp_violations_total', { directive: 'img-src' })).toBeGreaterThanOrEqual(1);
    });

    it('rejects malformed JSON and non-reports with 400, oversized reports with 413, other media types with 415', async () => {
      const malformed = await post('{"csp-report": ', 'application/csp-report');
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().code).toBe('malformed_json');
      const notReport = await post(JSON.stringify({ hello: 'world' }), 'application/csp-report');
      expect(notReport.statusCode).toBe(400);
      expect(notReport.json().code).toBe('invalid_csp_report');
      const oversized = await post(
        JSON.stringify({ 'csp-report': { 'violated-directive': 'img-src', pad: 'x'.repeat(20_000) } }),
        'application/csp-report',
      );
      expect(oversized.statusCode).toBe(413);
      expect(oversized.headers['content-type']).toMatch(/^application\/problem\+json/);
      const json = await post(JSON.stringify(legacy), 'application/json');
      expect(json.statusCode).toBe(415);
    });
  });

  describe('/metrics', () => {
    it('refuses a scrape without the token or with a wrong one', async () => {
      expect((await t.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const wrong = await t.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer not-the-token-at-all' } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('shows request counters and the latency histogram moving, by route template', async () => {
      const before = await scrape();
      const labels = { method: 'GET', route: '/api/v1/test-conventions/items', status: '200' };
      for (let i = 0; i < 3; i++) await t.inject({ method: 'GET', url: `/api/v1/test-conventions/items?page=${i + 1}` });
      const after = await scrape();
      expect(metricValue(after, 'http_requests_total', labels)).toBe(metricValue(before, 'http_requests_total', labels) + 3);
      expect(metricValue(after, 'http_request_duration_seconds_count', labels)).toBe(
        metricValue(before, 'http_request_duration_seconds_count', labels) + 3,
      );
      expect(after).toContain('http_request_duration_seconds_bucket{le="0.005"');
      expect(after).not.toContain('items?page=');
      await t.inject({ method: 'GET', url: '/api/v1/definitely/not/a/route' });
      expect(metricValue(await scrape(), 'http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    });

    it('counts logins, failures, active sessions, pool connections and build info', async () => {
      const email = uniqueEmail('metrics');
      await register(t, email);
      const before = await scrape();
      await login(t, email);
      await requestToken(t, { email, password: `${STRONG_PASSWORD}x` });
      const after = await scrape();
      expect(metricValue(after, 'auth_login_success_total')).toBe(metricValue(before, 'auth_login_success_total') + 1);
      expect(metricValue(after, 'auth_login_failures_total', { reason: 'wrong_password' })).toBe(
        metricValue(before, 'auth_login_failures_total', { reason: 'wrong_password' }) + 1,
      );
      expect(metricValue(after, 'active_sessions')).toBeGreaterThanOrEqual(1);
      expect(
        metricValue(after, 'db_pool_connections', { state: 'idle' }) +
          metricValue(after, 'db_pool_connections', { state: 'in_use' }),
      ).toBeGreaterThan(0);
      expect(after).toMatch(/build_info\{version="0\.1\.0",git_sha="[^"]+",node_version="v24\.[^"]+",app_env="test"\} 1/);
      expect(after).toContain('process_cpu_user_seconds_total');
    });

    it('counts 429s by route and unhandled errors', async () => {
      const before = await scrape();
      expect((await t.inject({ method: 'GET', url: '/api/v1/test-conventions/boom' })).statusCode).toBe(500);
      expect((await t.inject({ method: 'GET', url: '/api/v1/test-conventions/domain-error' })).statusCode).toBe(429);
      const after = await scrape();
      expect(metricValue(after, 'unhandled_errors_total', { kind: 'request' })).toBe(
        metricValue(before, 'unhandled_errors_total', { kind: 'request' }) + 1,
      );
      const route = { route: '/api/v1/test-conventions/domain-error' };
      expect(metricValue(after, 'rate_limit_dropped_total', route)).toBe(
        metricValue(before, 'rate_limit_dropped_total', route) + 1,
      );
    });

    it('with METRICS_PORT: served only on that port', async () => {
      const port = await freePort();
      await withTestApp({ env: { METRICS_PORT: String(port) } }, async (other) => {
        expect((await other.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('http_requests_total');
        expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      });
    });
  });

  describe('trace export', () => {
    it('sends one server span per request to the OTLP endpoint, continuing the caller trace', async () => {
      const bodies: { url?: string; type?: string; body: string }[] = [];
      const collector = createHttpServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          bodies.push({ url: req.url, type: req.headers['content-type'], body });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
      const port = (collector.address() as { port: number }).port;
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      try {
        await withTestApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } }, async (traced) => {
          const res = await traced.inject({
            method: 'GET',
            url: '/health/live',
            headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
          });
          expect(res.statusCode).toBe(200);
        }); // closing the app flushes the batch
      } finally {
        await new Promise<void>((resolve) => collector.close(() => resolve()));
      }
      expect(bodies.length).toBeGreaterThan(0);
      expect(bodies[0].url).toBe('/v1/traces');
      type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number };
      const spans = bodies.flatMap((b) =>
        (JSON.parse(b.body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans.flatMap((r) =>
          r.scopeSpans.flatMap((s) => s.spans),
        ),
      );
      const span = spans.find((s) => s.traceId === traceId);
      expect(span).toMatchObject({ parentSpanId: '00f067aa0ba902b7', name: 'GET /health/live', kind: 2 });
      expect(span!.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span!.spanId).not.toBe('00f067aa0ba902b7');
    });
  });
});
