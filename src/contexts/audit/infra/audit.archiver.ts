import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { DomainError } from '../../../platform/http/problem';
import { type AuditRow, ChainVerifier } from '../domain/hash-chain';
import { archiveFileName, archivablePrefix, retentionCutoff } from '../domain/retention';
import { archiveFiles, archiveFirstSeq } from './chain-verification';
import { readChainState, readRowsAfter } from './audit-chain.store';

export interface ArchiveSettings {
  retentionDays: number;
  archiveDir: string;
  /** Null: archive through `appDataSource`. */
  retentionDatabaseUrl: string | null;
  /** Rows per archive file (and per delete transaction). */
  chunkSize?: number;
}

export interface ArchiveResult {
  cutoff: string;
  archived: number;
  files: string[];
}

/** Thrown when rows due for archiving do not verify: they stay in the table as evidence. */
export class AuditChainBrokenError extends DomainError {
  constructor(message: string) {
    super('audit_chain_broken', 500, `Refusing to archive a broken audit chain: ${message}`);
  }
}

async function writeArchiveFile(dir: string, rows: AuditRow[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, archiveFileName(rows[0].seq, rows[rows.length - 1].seq));
  const partial = `${file}.partial`;
  const handle = await open(partial, 'w', 0o640);
  try {
    await handle.writeFile(gzipSync(rows.map((row) => `${JSON.stringify(row)}\n`).join('')));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, file);
  return file;
}

/**
 * Moves rows older than the retention period out of the table, oldest first, one chunk at a
 * time: verify the chunk against the anchor, write it as gzipped JSON lines (fsynced, then
 * renamed into place), then in one transaction delete exactly those rows and move the anchor
 * to the chunk's last row. A crash between the file and the delete leaves rows that are
 * archived again next time (the stale file is replaced first).
 */
export async function archiveExpiredRows(
  appDataSource: DataSource,
  settings: ArchiveSettings,
  now: Date,
): Promise<ArchiveResult> {
  const cutoff = retentionCutoff(now, settings.retentionDays);
  const chunkSize = settings.chunkSize ?? 10_000;
  const dataSource = settings.retentionDatabaseUrl
    ? await new DataSource({
        type: 'postgres',
        url: settings.retentionDatabaseUrl,
        extra: { max: 1, application_name: 'bastion-audit-retention' },
      }).initialize()
    : appDataSource;
  const result: ArchiveResult = { cutoff: cutoff.toISOString(), archived: 0, files: [] };
  try {
    for (;;) {
      const { anchor } = await readChainState(dataSource);
      // Files of rows still in the table are leftovers of an interrupted run: replaced below.
      for (const file of await archiveFiles(settings.archiveDir)) {
        if (archiveFirstSeq(file) > anchor.seq) await rm(file, { force: true });
      }
      const rows = await readRowsAfter(dataSource, anchor.seq, chunkSize);
      const due = rows.slice(0, archivablePrefix(rows, cutoff));
      if (due.length === 0) break;

      const check = new ChainVerifier(anchor);
      for (const row of due) {
        const problem = check.push(row);
        if (problem) throw new AuditChainBrokenError(problem.message);
      }
      const last = due[due.length - 1];
      const file = await writeArchiveFile(settings.archiveDir, due);

      const runner = dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        const deleted = await runner.query(
          `DELETE FROM "audit_events" WHERE "seq" > $1 AND "seq" <= $2`,
          [anchor.seq, last.seq],
          true,
        );
        const moved = await runner.query(
          `UPDATE "audit_chain" SET "anchor_seq" = $1, "anchor_hash" = $2, "anchored_at" = $3 WHERE "id" = 1 AND "anchor_seq" = $4`,
          [last.seq, last.hash, now, anchor.seq],
          true,
        );
        if (deleted.affected !== due.length || moved.affected !== 1) {
          throw new Error(
            `audit archive of seq ${due[0].seq}..${last.seq} raced another writer (deleted ${deleted.affected}, anchor moved ${moved.affected})`,
          );
        }
        await runner.commitTransaction();
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        // The rows stay in the table; so must not a file claiming they were archived.
        await rm(file, { force: true });
        throw error;
      } finally {
        await runner.release();
      }
      result.archived += due.length;
      result.files.push(file);
      if (due.length < rows.length || rows.length < chunkSize) break;
    }
  } finally {
    if (dataSource !== appDataSource) await dataSource.destroy();
  }
  return result;
}
