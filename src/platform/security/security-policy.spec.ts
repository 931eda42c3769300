import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet from 'helmet';
import {
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  corsResponseHeaders,
  extraSecurityHeaders,
  helmetHeaders,
  helmetOptions,
  pathKindOf,
  securityHeadersFor,
} from './security-policy';

/** What helmet itself sets on a real Node response for these options, per request. */
function helmetOnARealResponse(appEnv: 'development' | 'production'): Record<string, string> {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  res.setHeader('X-Powered-By', 'something');
  let finished: { error: unknown } | undefined;
  helmet(helmetOptions(appEnv))(req, res, (error?: unknown) => (finished = { error }));
  expect(finished).toEqual({ error: undefined });
  return Object.fromEntries(Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)]));
}

describe('helmetHeaders', () => {
  it.each(['development', 'production'] as const)('equals what helmet sets on a real response (%s)', (appEnv) => {
    const once = helmetHeaders(helmetOptions(appEnv));
    expect(once).toEqual(helmetOnARealResponse(appEnv));
    expect(once['x-powered-by']).toBeUndefined();
    expect(Object.keys(once).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('sends HSTS in production only', () => {
    expect(helmetHeaders(helmetOptions('production'))['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains; preload',
    );
    expect(helmetHeaders(helmetOptions('development'))['strict-transport-security']).toBeUndefined();
  });

  it('refuses a CSP directive computed per request (a nonce), which one computation would freeze', () => {
    const nonce = () => "'nonce-abc'";
    expect(() => helmetHeaders({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", nonce] } } })).toThrow(
      /per request/,
    );
    expect(() => helmetHeaders({ contentSecurityPolicy: { directives: { 'script-src': new Set([nonce]) } } })).toThrow(
      /per request/,
    );
  });

  it("lets helmet's own refusal of invalid options through", () => {
    const refuse = () => helmetHeaders({ contentSecurityPolicy: { directives: { 'script-src': ['not allowed;'] } } });
    expect(refuse).toThrow(/invalid directive value for "script-src"/);
  });
});

describe('securityHeadersFor', () => {
  it.each([
    ['/api/v1/projects', 'api'],
    ['/health/live', 'api'],
    ['/docs', 'docs'],
    ['/docs/swagger-ui-init.js', 'docs'],
    ['/docs-json', 'docs'],
    ['/console', 'console'],
    ['/console/app.js', 'console'],
    ['/console?tab=sessions', 'console'],
  ] as const)('gives %s helmet plus the extra headers of its kind of path (%s)', (url, kind) => {
    expect(pathKindOf(url)).toBe(kind);
    for (const appEnv of ['development', 'production'] as const) {
      expect(securityHeadersFor(appEnv)(url)).toEqual({
        ...helmetHeaders(helmetOptions(appEnv)),
        ...extraSecurityHeaders(appEnv, kind),
      });
    }
  });

  it('replaces the strict API CSP on Swagger UI and the console, and keeps it everywhere else', () => {
    const headersFor = securityHeadersFor('production');
    expect(headersFor('/api/v1/projects')['content-security-policy']).toBe(
      "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
    );
    expect(headersFor('/docs')['content-security-policy']).toContain("script-src 'self'");
    expect(headersFor('/console')['content-security-policy']).toContain("require-trusted-types-for 'script'");
    expect(headersFor('/api/v1/projects')['content-security-policy-report-only']).toBeUndefined();
    expect(securityHeadersFor('development')('/api/v1/projects')['content-security-policy-report-only']).toContain(
      'report-uri /api/v1/security/csp-report',
    );
  });
});

describe('CORS', () => {
  const settings = { corsOrigins: ['https://app.example.com'], corsAllowCredentials: true };

  it('lets pages send the tenant header, not the cookie mode’s CSRF header (same-origin only)', () => {
    expect(CORS_ALLOWED_HEADERS).toContain('x-tenant-id');
    expect(CORS_ALLOWED_HEADERS).not.toContain('x-csrf-token');
  });

  it('corsResponseHeaders: an allowed origin echoed, with credentials and the exposed headers', () => {
    expect(corsResponseHeaders(settings, 'https://app.example.com')).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(', '),
    });
    expect(
      corsResponseHeaders({ ...settings, corsAllowCredentials: false }, 'https://app.example.com')[
        'access-control-allow-credentials'
      ],
    ).toBeUndefined();
  });

  it('corsResponseHeaders: another origin, or none, gets only Vary', () => {
    expect(corsResponseHeaders(settings, 'https://evil.example.net')).toEqual({ vary: 'Origin' });
    expect(corsResponseHeaders(settings, undefined)).toEqual({ vary: 'Origin' });
  });
});
