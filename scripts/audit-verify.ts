/**
 * `npm run audit:verify [-- --archives [dir]]`: walks the audit hash chain in seq order and
 * reports the first altered, missing or misplaced row.
 *
 * Connects like the migration CLI: DATABASE_URL, or (outside production) the embedded
 * PostgreSQL. Exit 0 with the number of rows verified; exit 1 naming the first bad row;
 * exit 2 when it could not check at all (no database, no audit tables).
 *
 * `--archives` also verifies the retention job's archive files (AUDIT_ARCHIVE_DIR, or the
 * directory given) from the very first row, and that they end where the table's chain is
 * anchored.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { parseAuditConfig } from '../src/contexts/audit';
import { verifyAuditChain, type VerifyReport } from '../src/contexts/audit/testing';
import { loadDotEnvFile, parseEnvironment } from '../src/platform/config';
import { resolveDatabaseUrl } from '../src/platform/database/resolve-database-url';

function archiveDirArgument(argv: string[]): string | undefined {
  const i = argv.indexOf('--archives');
  if (i < 0) return undefined;
  const next = argv[i + 1];
  return next && !next.startsWith('--') ? next : parseAuditConfig(process.env).archiveDir;
}

function describeReport(report: VerifyReport): string {
  const archived = report.archivedVerified > 0 ? ` and ${report.archivedVerified} archived rows` : '';
  if (report.ok) {
    const range = report.verified > 0 ? ` (seq ${report.anchor.seq + 1}..${report.head.seq})` : '';
    const anchor = report.anchor.seq > 0 ? `, anchored at archived seq ${report.anchor.seq}` : '';
    return `audit:verify OK: ${report.verified} rows verified${range}${archived}${anchor}`;
  }
  const problem = report.problem!;
  const where = problem.id ? `row ${problem.id} (seq ${problem.seq})` : `seq ${problem.seq}`;
  return `audit:verify FAILED at ${where} [${problem.kind}]: ${problem.message}\n(${report.verified} rows verified before it${archived})`;
}

async function main(): Promise<number> {
  loadDotEnvFile();
  const env = parseEnvironment(process.env);
  const { url, embedded } = await resolveDatabaseUrl(env);
  const dataSource = await new DataSource({
    type: 'postgres',
    url,
    extra: { max: 1, application_name: 'bastion-audit-verify' },
  }).initialize();
  try {
    const report = await verifyAuditChain(dataSource, { archiveDir: archiveDirArgument(process.argv.slice(2)) });
    const text = describeReport(report);
    if (report.ok) console.log(text);
    else console.error(text);
    return report.ok ? 0 : 1;
  } finally {
    await dataSource.destroy();
    if (embedded?.owned) await embedded.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('audit:verify could not run:', error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
