import { collectProblems, type EnvProblem } from '../../platform/config';
import { parseAuditConfig } from './audit.config';

const problemsOf = (raw: Record<string, string>): EnvProblem[] => collectProblems(() => parseAuditConfig(raw, '/srv/bastion'));

describe('parseAuditConfig', () => {
  it('defaults to 365 days, db_files/audit-archive under the working directory, and the app connection', () => {
    expect(parseAuditConfig({}, '/srv/bastion')).toEqual({
      retentionDays: 365,
      archiveDir: '/srv/bastion/db_files/audit-archive',
      retentionDatabaseUrl: null,
      outboxSweepMs: 10_000,
      pseudonymKey: null,
    });
  });

  it('reads explicit values; an absolute archive directory stays as given', () => {
    expect(
      parseAuditConfig(
        {
          AUDIT_RETENTION_DAYS: ' 30 ',
          AUDIT_ARCHIVE_DIR: '/var/lib/bastion/audit',
          AUDIT_RETENTION_DATABASE_URL: 'postgres://audit_retention:pw@db:5432/bastion',
          AUDIT_OUTBOX_SWEEP_MS: '2500',
          AUDIT_PSEUDONYM_KEY: 'a-key-of-at-least-thirty-two-characters',
        },
        '/srv/bastion',
      ),
    ).toEqual({
      retentionDays: 30,
      archiveDir: '/var/lib/bastion/audit',
      retentionDatabaseUrl: 'postgres://audit_retention:pw@db:5432/bastion',
      outboxSweepMs: 2500,
      pseudonymKey: 'a-key-of-at-least-thirty-two-characters',
    });
    expect(parseAuditConfig({ AUDIT_ARCHIVE_DIR: 'archive' }, '/srv/bastion').archiveDir).toBe('/srv/bastion/archive');
  });

  it('treats blank values as unset', () => {
    expect(
      parseAuditConfig({ AUDIT_RETENTION_DAYS: '', AUDIT_ARCHIVE_DIR: '  ', AUDIT_RETENTION_DATABASE_URL: '' }, '/x'),
    ).toEqual({
      retentionDays: 365,
      archiveDir: '/x/db_files/audit-archive',
      retentionDatabaseUrl: null,
      outboxSweepMs: 10_000,
      pseudonymKey: null,
    });
  });

  it.each([
    ['AUDIT_RETENTION_DAYS', 'a year', /whole number/],
    ['AUDIT_RETENTION_DAYS', '1.5', /whole number/],
    ['AUDIT_RETENTION_DAYS', '0', /between 1 and 36500/],
    ['AUDIT_RETENTION_DAYS', '36501', /between 1 and 36500/],
    ['AUDIT_RETENTION_DATABASE_URL', 'mysql://x@y/z', /postgres/],
    ['AUDIT_RETENTION_DATABASE_URL', 'not a url', /postgres/],
    ['AUDIT_OUTBOX_SWEEP_MS', '99', /between 100 and 86400000/],
    ['AUDIT_OUTBOX_SWEEP_MS', 'soon', /whole number/],
    ['AUDIT_PSEUDONYM_KEY', 'too-short', /at least 32 characters/],
  ])('reports %s=%p by name', (variable, value, message) => {
    expect(problemsOf({ [variable]: value })).toEqual([{ variable, message: expect.stringMatching(message) }]);
  });

  it('reports every bad variable at once, in one error that names them', () => {
    expect(problemsOf({ AUDIT_RETENTION_DAYS: 'x', AUDIT_RETENTION_DATABASE_URL: 'y' }).map((p) => p.variable)).toEqual([
      'AUDIT_RETENTION_DAYS',
      'AUDIT_RETENTION_DATABASE_URL',
    ]);
  });
});
