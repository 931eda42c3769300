import { resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import { type EnvProblem, InvalidEnvironmentError, readWholeNumber } from '../../platform/config';

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
}

export const DEFAULT_ARCHIVE_DIR = 'db_files/audit-archive';

function readDatabaseUrl(raw: Record<string, string | undefined>, name: string, problems: EnvProblem[]): string | null {
  const value = raw[name]?.trim();
  if (value === undefined || value === '') return null;
  try {
    const url = new URL(value);
    if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') return value;
  } catch {
    // reported below
  }
  problems.push({ variable: name, message: 'must be a postgres:// or postgresql:// URL' });
  return null;
}

/** Reads and validates the audit variables; every problem is reported, by variable name. */
export function parseAuditConfig(raw: Record<string, string | undefined>, cwd = process.cwd()): AuditConfig {
  const problems: EnvProblem[] = [];
  const retentionDays = readWholeNumber(raw, 'AUDIT_RETENTION_DAYS', 365, 1, 36_500, problems);
  const dir = raw.AUDIT_ARCHIVE_DIR?.trim() || DEFAULT_ARCHIVE_DIR;
  const retentionDatabaseUrl = readDatabaseUrl(raw, 'AUDIT_RETENTION_DATABASE_URL', problems);
  const outboxSweepMs = readWholeNumber(raw, 'AUDIT_OUTBOX_SWEEP_MS', 10_000, 100, 86_400_000, problems);
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return { retentionDays, archiveDir: resolve(cwd, dir), retentionDatabaseUrl, outboxSweepMs };
}

/**
 * The audit context's configuration, validated when the module boots.
 * Inject with `@Inject(auditConfig.KEY) config: AuditConfig`.
 */
export const auditConfig = registerAs('audit', (): AuditConfig => parseAuditConfig(process.env));
