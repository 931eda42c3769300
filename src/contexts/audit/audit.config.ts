import { resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import { EnvReader, type RawEnv } from '../../platform/config';

export interface AuditConfig {
  /** Rows older than this many days are archived and deleted (AUDIT_RETENTION_DAYS, default 365). */
  retentionDays: number;
  /** Where the retention job writes its gzipped JSONL archives (AUDIT_ARCHIVE_DIR, absolute). */
  archiveDir: string;
  /**
   * The connection the retention job deletes through (AUDIT_RETENTION_DATABASE_URL), for a
   * production setup where the application's own role may not delete audit rows. Null: the
   * application's connection.
   */
  retentionDatabaseUrl: string | null;
  /**
   * How often every instance sweeps the audit outbox for rows nobody drained (left by an
   * instance that crashed, or by a drain that failed): AUDIT_OUTBOX_SWEEP_MS, default 10 000.
   */
  outboxSweepMs: number;
  /**
   * The key of the e-mail pseudonyms in audit rows (AUDIT_PSEUDONYM_KEY, at least 32
   * characters). Null: the random key the database was given when it was created (in
   * `audit_chain`); set one to keep it out of the database, which holds the pseudonyms.
   */
  pseudonymKey: string | null;
}

export const DEFAULT_ARCHIVE_DIR = 'db_files/audit-archive';

/** Reads and validates the audit variables; every problem is reported, by variable name. */
export function parseAuditConfig(raw: RawEnv, cwd = process.cwd()): AuditConfig {
  const r = new EnvReader(raw);
  const retentionDays = r.wholeNumber('AUDIT_RETENTION_DAYS', 365, 1, 36_500);
  const dir = r.string('AUDIT_ARCHIVE_DIR') ?? DEFAULT_ARCHIVE_DIR;
  const retentionDatabaseUrl =
    r.url('AUDIT_RETENTION_DATABASE_URL', ['postgres:', 'postgresql:'], 'must be a postgres:// or postgresql:// URL') ?? null;
  const outboxSweepMs = r.wholeNumber('AUDIT_OUTBOX_SWEEP_MS', 10_000, 100, 86_400_000);
  const pseudonymKey = r.string('AUDIT_PSEUDONYM_KEY') ?? null;
  if (pseudonymKey !== null && pseudonymKey.length < 32) r.problem('AUDIT_PSEUDONYM_KEY', 'must be at least 32 characters');
  r.throwIfInvalid();
  return { retentionDays, archiveDir: resolve(cwd, dir), retentionDatabaseUrl, outboxSweepMs, pseudonymKey };
}

/**
 * The audit context's configuration, validated when the module boots.
 * Inject with `@Inject(auditConfig.KEY) config: AuditConfig`.
 */
export const auditConfig = registerAs('audit', (): AuditConfig => parseAuditConfig(process.env));
