import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditDraft } from '../domain/audit-record';
import { type AuditRow, sealRow } from '../domain/hash-chain';
import { AuditMetrics } from './audit-metrics';

interface HeadRow {
  head_seq: string;
  head_hash: string;
}

interface Pending {
  draft: AuditDraft;
  resolve(row: AuditRow): void;
  reject(error: unknown): void;
}

/**
 * The columns of `audit_events`, in the order `rowParams` gives their values, with the type
 * each parameter is cast to (the rows are a VALUES list, which has no target column to take
 * types from).
 */
const AUDIT_COLUMNS = [
  ['id', 'uuid'],
  ['seq', 'bigint'],
  ['occurred_at', 'timestamptz'],
  ['type', 'text'],
  ['actor_id', 'uuid'],
  ['actor_ip', 'text'],
  ['user_agent', 'text'],
  ['subject_type', 'text'],
  ['subject_id', 'text'],
  ['outcome', 'text'],
  ['request_id', 'text'],
  ['metadata', 'jsonb'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
] as const;

/** Rows per statement at most (14 parameters each; PostgreSQL allows 65 535). */
export const MAX_BATCH = 200;

function rowParams(row: AuditRow): unknown[] {
  return [
    row.id,
    row.seq,
    row.occurred_at,
    row.type,
    row.actor_id,
    row.actor_ip,
    row.user_agent,
    row.subject_type,
    row.subject_id,
    row.outcome,
    row.request_id,
    JSON.stringify(row.metadata),
    row.prev_hash,
    row.hash,
  ];
}

/** How often one batch may find the head moved by another instance before the append gives up. */
export const MAX_APPEND_ATTEMPTS = 20;

/**
 * One statement: move the head from the seq the rows were sealed on to the last of them, and
 * insert the rows only if that move happened. A concurrent append (another instance) that
 * moved the head first makes the UPDATE match nothing, so nothing is inserted; the unique
 * `seq` would refuse a stray row anyway.
 */
function appendIfHeadUnmoved(count: number): string {
  const width = AUDIT_COLUMNS.length;
  const tuples = Array.from({ length: count }, (_, r) => {
    const params = AUDIT_COLUMNS.map(([, type], c) => `$${r * width + c + 1}::${type}`);
    return `(${params.join(', ')})`;
  });
  const head = count * width;
  return `
    WITH advanced AS (
      UPDATE "audit_chain" SET "head_seq" = $${head + 2}, "head_hash" = $${head + 3}
       WHERE "id" = 1 AND "head_seq" = $${head + 1}
      RETURNING 1
    )
    INSERT INTO "audit_events" (${AUDIT_COLUMNS.map(([c]) => `"${c}"`).join(', ')})
    SELECT * FROM (VALUES ${tuples.join(', ')}) AS rows
     WHERE EXISTS (SELECT 1 FROM advanced)
    RETURNING "seq"`;
}

/**
 * Appends rows to the chain, each batch in its own statement, independent of whatever the
 * publisher of the event was doing: read the head, seal the rows one after the other onto
 * its hash, then insert them and move the head in one statement that only takes effect if
 * the head is still where it was read (optimistic: two round trips, no explicit transaction;
 * an append that lost a race to another instance reads the new head and seals again).
 *
 * Group commit: while one append is in flight, new appends queue; the next statement takes
 * them all, so a burst pays one commit per batch rather than per row. Every caller still
 * resolves only after its own row is committed. If a batch fails, its rows are retried one
 * by one, so one bad row never takes others with it.
 */
@Injectable()
export class AuditWriter {
  private readonly queue: Pending[] = [];
  private draining = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: AuditMetrics,
  ) {}

  /** Resolves with the stored row once it is committed; rejects if it could not be written. */
  append(draft: AuditDraft): Promise<AuditRow> {
    return new Promise<AuditRow>((resolve, reject) => {
      this.queue.push({ draft, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const rows = await this.write(batch.map((p) => p.draft));
          batch.forEach((p, i) => p.resolve(rows[i]));
        } catch (error) {
          if (batch.length === 1) {
            batch[0].reject(error);
            continue;
          }
          for (const p of batch) {
            try {
              p.resolve((await this.write([p.draft]))[0]);
            } catch (single) {
              p.reject(single);
            }
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async write(drafts: AuditDraft[]): Promise<AuditRow[]> {
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
      const [head] = await this.dataSource.query<HeadRow[]>(`SELECT "head_seq", "head_hash" FROM "audit_chain" WHERE "id" = 1`);
      if (!head) throw new Error('audit_chain has no head row: the Audit migration has not run');
      const rows: AuditRow[] = [];
      let seq = Number(head.head_seq);
      let prevHash = head.head_hash;
      for (const draft of drafts) {
        seq += 1;
        const row = sealRow({ id: randomUUID(), seq, ...draft }, prevHash);
        rows.push(row);
        prevHash = row.hash;
      }
      const inserted = await this.dataSource.query<unknown[]>(appendIfHeadUnmoved(rows.length), [
        ...rows.flatMap(rowParams),
        head.head_seq,
        seq,
        prevHash,
      ]);
      if (inserted.length === rows.length) return rows;
      this.metrics.appendRetries.inc();
    }
    throw new Error(`The audit chain head moved under ${MAX_APPEND_ATTEMPTS} append attempts in a row`);
  }
}
