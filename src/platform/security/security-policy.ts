import type { FastifyHelmetOptions } from '@fastify/helmet';
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

function serialize(directives: Directives, reporting: boolean): string {
  const all = reporting ? { ...directives, 'report-uri': [CSP_REPORT_PATH], 'report-to': [CSP_REPORT_GROUP] } : directives;
  return Object.entries(all)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

export const isDocsPath = (url: string): boolean => url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs-');

/**
 * `@fastify/helmet` options per environment: the strict API CSP everywhere, HSTS (1 year,
 * subdomains, preload) in production only, `DENY` framing, no referrer, nosniff.
 */
export function helmetOptions(appEnv: AppEnv): FastifyHelmetOptions {
  return {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: API_DIRECTIVES },
    strictTransportSecurity: appEnv === 'production' ? { maxAge: 31_536_000, includeSubDomains: true, preload: true } : false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  };
}

/**
 * What helmet does not send, per request URL: `Permissions-Policy`; the relaxed CSP of
 * Swagger UI on `/docs`; and outside production a strict report-only policy (the API's,
 * on /docs too) with its reporting endpoints, so violations reach the CSP report log
 * before they would break anything.
 */
export function extraSecurityHeaders(appEnv: AppEnv, url: string): Record<string, string> {
  const headers: Record<string, string> = { 'permissions-policy': PERMISSIONS_POLICY };
  if (isDocsPath(url)) headers['content-security-policy'] = serialize(DOCS_DIRECTIVES, false);
  if (appEnv !== 'production') {
    headers['content-security-policy-report-only'] = serialize(API_DIRECTIVES, true);
    headers['reporting-endpoints'] = `${CSP_REPORT_GROUP}="${CSP_REPORT_PATH}"`;
    headers['report-to'] = JSON.stringify({
      group: CSP_REPORT_GROUP,
      max_age: 10_886_400,
      endpoints: [{ url: CSP_REPORT_PATH }],
    });
  }
  return headers;
}

/** CORS decision for one request origin (exact match; `*` only outside production, never with credentials). */
export function corsOriginAllowed(settings: SecuritySettings, origin: string | undefined): boolean {
  if (!origin) return false;
  return settings.corsOrigins.includes('*') || settings.corsOrigins.includes(origin);
}

/** Request headers browsers may send cross-origin, and response headers scripts may read. */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'if-match',
  'if-none-match',
  'x-request-id',
  'x-api-key',
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
