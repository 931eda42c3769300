import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DataSource } from 'typeorm';
import { type AuditRow, type ChainPoint, type ChainProblem, ChainVerifier, GENESIS } from '../domain/hash-chain';
import { ARCHIVE_FILE_PATTERN } from '../domain/retention';
import { readChainState, readRowsAfter } from './audit-chain.store';

export interface VerifyOptions {
  /** Also verify the archive files in this directory, from the genesis row up to the anchor. */
  archiveDir?: string;
  /** Rows read per query (default 1000). */
  batchSize?: number;
}

export interface VerifyReport {
  ok: boolean;
  /** Rows found good in the table (archived rows not included). */
  verified: number;
  /** Rows found good in archive files (with `archiveDir`). */
  archivedVerified: number;
  /** Where the table's part of the chain starts (genesis, or the last archived row). */
  anchor: ChainPoint;
  /** The last appended row, as `audit_chain` records it. */
  head: ChainPoint;
  /** The first problem, or null. */
  problem: ChainProblem | null;
}

/** The first seq an archive file holds (from its name). */
export function archiveFirstSeq(file: string): number {
  return Number(ARCHIVE_FILE_PATTERN.exec(basename(file))?.[1]);
}

/** The archive files of a directory, in chain order. */
export async function archiveFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => ARCHIVE_FILE_PATTERN.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** The rows of one archive file (gzipped JSON lines). */
export async function readArchive(file: string): Promise<AuditRow[]> {
  const text = gunzipSync(await readFile(file)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as AuditRow);
}

/**
 * Walks the chain in seq order and reports the first altered, missing or misplaced row. Reads
 * in one REPEATABLE READ, READ ONLY transaction, so rows appended or archived meanwhile
 * neither hide nor fake a problem.
 */
export async function verifyAuditChain(dataSource: DataSource, options: VerifyOptions = {}): Promise<VerifyReport> {
  const batchSize = options.batchSize ?? 1000;
  return dataSource.transaction('REPEATABLE READ', async (m) => {
    await m.query('SET TRANSACTION READ ONLY');
    const { head, anchor } = await readChainState(m);
    const verifier = new ChainVerifier(options.archiveDir ? GENESIS : anchor);
    let archivedVerified = 0;
    const report = (problem: ChainProblem | null): VerifyReport => ({
      ok: problem === null,
      verified: verifier.verified - archivedVerified,
      archivedVerified,
      anchor,
      head,
      problem,
    });

    if (options.archiveDir) {
      // A file that starts beyond the anchor is a leftover of an interrupted run: its rows are
      // still in the table (and are verified there); the next run replaces it.
      const files = (await archiveFiles(options.archiveDir)).filter((file) => archiveFirstSeq(file) <= anchor.seq);
      for (const file of files) {
        for (const row of await readArchive(file)) {
          const problem = verifier.push(row);
          if (problem) return report({ ...problem, message: `${problem.message} (archive ${file})` });
        }
      }
      archivedVerified = verifier.verified;
      // The archives must end exactly where the table's chain is anchored.
      const reached = verifier.position;
      if (reached.seq !== anchor.seq || reached.hash !== anchor.hash) {
        return report({
          kind: reached.seq < anchor.seq ? 'missing' : 'unexpected',
          seq: reached.seq + 1,
          id: null,
          message: `the archives end at seq ${reached.seq} but the table is anchored at seq ${anchor.seq}`,
        });
      }
    }

    // From seq 0, not from the anchor: a row re-inserted below the anchor is a problem too.
    let after = -1;
    for (;;) {
      const rows = await readRowsAfter(m, after, batchSize);
      for (const row of rows) {
        const problem = verifier.push(row);
        if (problem) return report(problem);
      }
      if (rows.length < batchSize) break;
      after = rows[rows.length - 1].seq;
    }
    return report(verifier.finish(head));
  });
}
