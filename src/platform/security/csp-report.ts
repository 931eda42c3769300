/**
 * CSP violation reports in both formats browsers send: the legacy `report-uri` body
 * (`application/csp-report`, one `{"csp-report": {...}}`) and the Reporting API
 * (`application/reports+json`, an array of `{type: "csp-violation", body: {...}}`).
 * Pure parsing and validation; the controller logs and counts what comes out.
 */
export const CSP_REPORT_CONTENT_TYPES = ['application/csp-report', 'application/reports+json'] as const;
export const CSP_REPORT_MAX_BYTES = 16 * 1024;
const MAX_REPORTS = 50;
const MAX_FIELD = 1024;

export interface CspViolation {
  /** Bounded label for metrics: a known directive name, or `other`. */
  directive: string;
  disposition: 'enforce' | 'report';
  document_uri: string | null;
  blocked_uri: string | null;
  source_file: string | null;
  line_number: number | null;
  sample: string | null;
}

const KNOWN_DIRECTIVES = new Set([
  'default-src',
  'script-src',
  'script-src-elem',
  'script-src-attr',
  'style-src',
  'style-src-elem',
  'style-src-attr',
  'img-src',
  'font-src',
  'connect-src',
  'media-src',
  'object-src',
  'frame-src',
  'child-src',
  'worker-src',
  'manifest-src',
  'base-uri',
  'form-action',
  'frame-ancestors',
  'navigate-to',
  'require-trusted-types-for',
  'trusted-types',
  'upgrade-insecure-requests',
]);

export class InvalidCspReport extends Error {}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  // Control characters never reach a log line.
  return Array.from(value.slice(0, MAX_FIELD), (ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? ' ' : ch)).join(
    '',
  );
}

function directiveLabel(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidCspReport('the report names no violated directive');
  const name = value.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return KNOWN_DIRECTIVES.has(name) ? name : 'other';
}

function lineNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

function fromLegacy(body: Json): CspViolation {
  const report = body['csp-report'];
  if (!isObject(report)) throw new InvalidCspReport('expected an object with a "csp-report" member');
  return {
    directive: directiveLabel(report['effective-directive'] ?? report['violated-directive']),
    disposition: report.disposition === 'report' ? 'report' : 'enforce',
    document_uri: text(report['document-uri']),
    blocked_uri: text(report['blocked-uri']),
    source_file: text(report['source-file']),
    line_number: lineNumber(report['line-number']),
    sample: text(report['script-sample']),
  };
}

function fromReportingApi(entry: unknown): CspViolation | null {
  if (!isObject(entry) || typeof entry.type !== 'string') throw new InvalidCspReport('each report needs a "type"');
  if (entry.type !== 'csp-violation') return null; // other report types are not ours to read
  const body = entry.body;
  if (!isObject(body)) throw new InvalidCspReport('a csp-violation report needs a "body" object');
  return {
    directive: directiveLabel(body.effectiveDirective),
    disposition: body.disposition === 'report' ? 'report' : 'enforce',
    document_uri: text(body.documentURL),
    blocked_uri: text(body.blockedURL),
    source_file: text(body.sourceFile),
    line_number: lineNumber(body.lineNumber),
    sample: text(body.sample),
  };
}

/** The violations in a report body, or `InvalidCspReport` when it is not a CSP report. */
export function parseCspReport(contentType: string, body: unknown): CspViolation[] {
  if (contentType === 'application/csp-report') {
    if (!isObject(body)) throw new InvalidCspReport('expected a JSON object');
    return [fromLegacy(body)];
  }
  if (!Array.isArray(body) || body.length === 0) throw new InvalidCspReport('expected a non-empty JSON array of reports');
  if (body.length > MAX_REPORTS) throw new InvalidCspReport(`at most ${MAX_REPORTS} reports per request`);
  return body.map(fromReportingApi).filter((v): v is CspViolation => v !== null);
}
