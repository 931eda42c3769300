import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditDraft } from '../domain/audit-record';
import { type AuditRow, sealRow } from '../domain/hash-chain';

interface HeadRow {
  head_seq: string;
  head_hash: string;
}

interface Pending {
  draft: AuditDraft;
  resolve(row: AuditRow): void;
  reject(error: unknown): void;
}

/** The columns of `audit_events`, in the order `rowParams` gives their values. */
const AUDIT_COLUMNS = [
  'id',
  'seq',
  'occurred_at',
  'type',
  'actor_id',
  'actor_ip',
  'user_agent',
  'subject_type',
  'subject_id',
  'outcome',
  'request_id',
  'metadata',
  'prev_hash',
  'hash',
] as const;

/** Rows per transaction at most (14 parameters each; PostgreSQL allows 65 535). */
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

/** One statement: insert the rows and move the head to the last of them. */
function insertAndAdvance(count: number): string {
  const width = AUDIT_COLUMNS.length;
  const tuples = Array.from({ length: count }, (_, r) => {
    const params = AUDIT_COLUMNS.map((column, c) => `$${r * width + c + 1}${column === 'metadata' ? '::jsonb' : ''}`);
    return `(${params.join(', ')})`;
  });
  const head = count * width;
  return `
    WITH inserted AS (
      INSERT INTO "audit_events" (${AUDIT_COLUMNS.map((c) => `"${c}"`).join(', ')})
      VALUES ${tuples.join(', ')}
    )
    UPDATE "audit_chain" SET "head_seq" = $${head + 1}, "head_hash" = $${head + 2} WHERE "id" = 1`;
}

/**
 * Appends rows to the chain, each batch in its own short transaction, independent of
 * whatever the publisher of the event was doing: lock the chain head row (`FOR UPDATE`, so
 * writers on every instance queue up there), seal the rows one after the other onto the
 * head's hash, insert them and move the head, commit.
 *
 * Group commit: while one transaction is in flight, new appends queue; the next transaction
 * takes them all. A commit waits for its WAL flush, and the lock is held until it is done,
 * so one row per transaction would cap the whole cluster at one fsync per row; batching
 * pays one per batch. Every caller still resolves only after its own row is committed. If a
 * batch fails, its rows are retried one by one, so one bad row never takes others with it.
 */
@Injectable()
export class AuditWriter {
  private readonly queue: Pending[] = [];
  private draining = false;

  constructor(private readonly dataSource: DataSource) {}

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

  private write(drafts: AuditDraft[]): Promise<AuditRow[]> {
    return this.dataSource.transaction(async (m) => {
      const [head] = await m.query<HeadRow[]>(`SELECT "head_seq", "head_hash" FROM "audit_chain" WHERE "id" = 1 FOR UPDATE`);
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
      await m.query(insertAndAdvance(rows.length), [...rows.flatMap(rowParams), seq, prevHash]);
      return rows;
    });
  }
}
