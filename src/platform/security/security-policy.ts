import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { AppEnv, SecuritySettings } from '../config';

/** Where browsers send CSP violation reports (`report-uri` and the Reporting API endpoint). */
export const CSP_REPORT_PATH = '/api/v1/security/csp-report';
export const CSP_REPORT_GROUP = 'csp-endpoint';

type Directives = Record<string, string[]>;

/** API responses are JSON, never rendered: nothing may load, nothing may frame them. */
const API_DIRECTIVES: Directives = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Swagger UI (`/docs`) gets the least it needs: its own scripts and styles (it uses inline
 * `<style>` blocks and style attributes), images including `data:` icons, and calls to this
 * origin for the OpenAPI document and "Try it out".
 */
const DOCS_DIRECTIVES: Directives = {
  ...API_DIRECTIVES,
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
};

/**
 * The account console (`/console`, static files of this origin) gets a strict policy of its
 * own: its scripts, styles and images from this origin only (plus `data:` images: the MFA QR
 * code is shown as a data: URL image), API calls to this origin, forms posting only here, no
 * inline script or style anywhere, and Trusted Types enforced, so no string can reach an
 * HTML or script sink (`innerHTML`, `eval`, ...) even by mistake.
 */
const CONSOLE_DIRECTIVES: Directives = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'require-trusted-types-for': ["'script'"],
  'trusted-types': ["'none'"],
};

/** Powerful browser features no response of this API needs. */
export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'autoplay=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'publickey-credentials-get=()',
  'screen-wake-lock=()',
  'serial=()',
  'usb=()',
  'xr-spatial-tracking=()',
].join(', ');

/**
 * The console's: the same, except passkeys (WebAuthn), which its own pages use to sign in, as a
 * second factor and to confirm a step-up — for this origin only (`self`: no frame of another).
 */
export const CONSOLE_PERMISSIONS_POLICY = PERMISSIONS_POLICY.split(', ')
  .flatMap((directive) =>
    directive === 'publickey-credentials-get=()'
      ? ['publickey-credentials-create=(self)', 'publickey-credentials-get=(self)']
      : [directive],
  )
  .join(', ');

function serialize(directives: Directives, reporting: boolean): string {
  const all = reporting ? { ...directives, 'report-uri': [CSP_REPORT_PATH], 'report-to': [CSP_REPORT_GROUP] } : directives;
  return Object.entries(all)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

export const isDocsPath = (url: string): boolean => url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs-');
export const isConsolePath = (url: string): boolean =>
  url === '/console' || url.startsWith('/console/') || url.startsWith('/console?');

/** The kinds of path with headers of their own: the API (everything else), Swagger UI, the console. */
export type PathKind = 'api' | 'docs' | 'console';
const PATH_KINDS: readonly PathKind[] = ['api', 'docs', 'console'];

export const pathKindOf = (url: string): PathKind => (isDocsPath(url) ? 'docs' : isConsolePath(url) ? 'console' : 'api');

/**
 * helmet options per environment: the strict API CSP everywhere, HSTS (1 year, subdomains,
 * preload) in production only, `DENY` framing, no referrer, nosniff.
 */
export function helmetOptions(appEnv: AppEnv): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: API_DIRECTIVES },
    strictTransportSecurity: appEnv === 'production' ? { maxAge: 31_536_000, includeSubDomains: true, preload: true } : false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  };
}

/**
 * What helmet does not send, per kind of path: `Permissions-Policy` (the console's allows
 * passkeys); the relaxed CSP of Swagger UI on `/docs` and the console's own on `/console`; and
 * outside production a report-only policy with its reporting endpoints (the strict API one, on
 * /docs too; on /console the console's policy), so violations reach the CSP report log.
 */
export function extraSecurityHeaders(appEnv: AppEnv, kind: PathKind): Record<string, string> {
  const onConsole = kind === 'console';
  const headers: Record<string, string> = {
    'permissions-policy': onConsole ? CONSOLE_PERMISSIONS_POLICY : PERMISSIONS_POLICY,
  };
  if (kind === 'docs') headers['content-security-policy'] = serialize(DOCS_DIRECTIVES, false);
  if (onConsole) headers['content-security-policy'] = serialize(CONSOLE_DIRECTIVES, false);
  if (appEnv !== 'production') {
    // The console's report-only copy is its own policy: every violation there is reported.
    headers['content-security-policy-report-only'] = serialize(onConsole ? CONSOLE_DIRECTIVES : API_DIRECTIVES, true);
    headers['reporting-endpoints'] = `${CSP_REPORT_GROUP}="${CSP_REPORT_PATH}"`;
    headers['report-to'] = JSON.stringify({
      group: CSP_REPORT_GROUP,
      max_age: 10_886_400,
      endpoints: [{ url: CSP_REPORT_PATH }],
    });
  }
  return headers;
}

/**
 * The headers helmet sets for these options, read once. With static options (no nonce or
 * function directives) helmet's middlewares only set and remove fixed headers and finish
 * synchronously, so running them once against a recording response gives exactly what they
 * would set on every request. (Running helmet per request, as `@fastify/helmet` does, parses
 * the CSP directives again each time.)
 */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === 'object' ? Object.values(csp.directives ?? {}) : [];
  const perRequest = (value: (typeof directives)[number]) =>
    typeof value === 'object' && value !== null && [...value].some((v) => typeof v === 'function');
  if (directives.some(perRequest))
    throw new Error('A CSP directive computed per request (e.g. a nonce) cannot be part of headers computed once');
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let outcome: { error?: unknown } | undefined;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => (outcome = { error }));
  if (!outcome) throw new Error('helmet did not finish synchronously: its headers cannot be computed once');
  if (outcome.error !== undefined) throw new Error('helmet refused its options', { cause: outcome.error });
  return headers;
}

/** Every security header of a response, by request URL: helmet's plus `extraSecurityHeaders`. */
export type SecurityHeadersFor = (url: string) => Readonly<Record<string, string>>;

/**
 * The security headers depend only on the environment and the kind of path (API, Swagger UI,
 * console), so each kind's full set is computed once here and the per-request work is a lookup.
 */
export function securityHeadersFor(appEnv: AppEnv): SecurityHeadersFor {
  const base = helmetHeaders(helmetOptions(appEnv));
  const byKind = Object.fromEntries(PATH_KINDS.map((kind) => [kind, { ...base, ...extraSecurityHeaders(appEnv, kind) }]));
  return (url) => byKind[pathKindOf(url)];
}

/** CORS decision for one request origin (exact match; `*` only outside production, never with credentials). */
export function corsOriginAllowed(settings: SecuritySettings, origin: string | undefined): boolean {
  if (!origin) return false;
  return settings.corsOrigins.includes('*') || settings.corsOrigins.includes(origin);
}

/**
 * Request headers browsers may send cross-origin, and response headers scripts may read.
 * `x-tenant-id` names the tenant of a tenant-owned request (docs/tenancy.md). `x-csrf-token` is
 * left out on purpose: it belongs to identity's cookie mode, which refuses every request whose
 * `Origin` is not this server's own, so no allowed cross-origin page could use it.
 */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'if-match',
  'if-none-match',
  'x-request-id',
  'x-api-key',
  'x-tenant-id',
  'traceparent',
  'tracestate',
];
export const CORS_EXPOSED_HEADERS = [
  'etag',
  'location',
  'retry-after',
  'x-request-id',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit',
  'ratelimit-policy',
  'idempotent-replayed',
];

/**
 * The CORS headers of an actual (not preflight) response to a request from `origin`, as
 * `@fastify/cors` sets them with the options `applySecurity` gives it: for the few responses
 * sent where its hook never runs (the router's own refusals, see `headersOutsideHooks`).
 * `Vary: Origin` whatever the origin, since the answer depends on it.
 */
export function corsResponseHeaders(settings: SecuritySettings, origin: string | undefined): Record<string, string> {
  if (!origin || !corsOriginAllowed(settings, origin)) return { vary: 'Origin' };
  return {
    vary: 'Origin',
    'access-control-allow-origin': origin,
    ...(settings.corsAllowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
    'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(', '),
  };
}
