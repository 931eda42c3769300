import { InvalidCspReport, parseCspReport } from './csp-report';

const legacy = {
  'csp-report': {
    'document-uri': 'https://app.example.com/docs',
    'violated-directive': 'script-src-elem',
    'effective-directive': 'script-src-elem',
    'blocked-uri': 'https://evil.example.net/x.js',
    'source-file': 'https://app.example.com/docs',
    'line-number': 12,
    disposition: 'report',
    'script-sample': 'alert(1)\u0000',
  },
};

describe('parseCspReport', () => {
  it('reads the legacy report-uri format', () => {
    expect(parseCspReport('application/csp-report', legacy)).toEqual([
      {
        directive: 'script-src-elem',
        disposition: 'report',
        document_uri: 'https://app.example.com/docs',
        blocked_uri: 'https://evil.example.net/x.js',
        source_file: 'https://app.example.com/docs',
        line_number: 12,
        sample: 'alert(1) ',
      },
    ]);
  });

  it('falls back to violated-directive, keeps only its name, and labels unknown directives "other"', () => {
    const [v] = parseCspReport('application/csp-report', { 'csp-report': { 'violated-directive': "img-src 'self'" } });
    expect(v).toMatchObject({ directive: 'img-src', disposition: 'enforce', blocked_uri: null, line_number: null });
    const [odd] = parseCspReport('application/csp-report', { 'csp-report': { 'violated-directive': 'made-up-src' } });
    expect(odd.directive).toBe('other');
  });

  it('reads Reporting API batches and skips report types that are not CSP', () => {
    const violations = parseCspReport('application/reports+json', [
      {
        type: 'csp-violation',
        age: 3,
        url: 'https://a/',
        body: { effectiveDirective: 'connect-src', blockedURL: 'https://x/', documentURL: 'https://a/' },
      },
      { type: 'deprecation', body: { id: 'x' } },
      { type: 'csp-violation', body: { effectiveDirective: 'frame-ancestors', disposition: 'report', lineNumber: -1 } },
    ]);
    expect(violations.map((v) => [v.directive, v.disposition, v.line_number])).toEqual([
      ['connect-src', 'enforce', null],
      ['frame-ancestors', 'report', null],
    ]);
  });

  it('bounds every text field', () => {
    const [v] = parseCspReport('application/csp-report', {
      'csp-report': { 'violated-directive': 'img-src', 'blocked-uri': 'x'.repeat(5000) },
    });
    expect(v.blocked_uri).toHaveLength(1024);
  });

  it.each([
    ['application/csp-report', []],
    ['application/csp-report', { report: {} }],
    ['application/csp-report', { 'csp-report': { 'blocked-uri': 'x' } }],
    ['application/reports+json', {}],
    ['application/reports+json', []],
    ['application/reports+json', [{ body: {} }]],
    ['application/reports+json', [{ type: 'csp-violation', body: 'x' }]],
    ['application/reports+json', Array.from({ length: 51 }, () => ({ type: 'deprecation', body: {} }))],
  ])('rejects a malformed %s body %#', (type, body) => {
    expect(() => parseCspReport(type, body)).toThrow(InvalidCspReport);
  });
});
