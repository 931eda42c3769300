import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { preparedQuery } from '../../../platform/database/prepared';
import { auditConfig, type AuditConfig } from '../audit.config';
import type { AuditDraft } from '../domain/audit-record';
import { type AuditRow, sealRow } from '../domain/hash-chain';
import { AuditMetrics } from './audit.metrics';
import type { Sql } from './audit-chain.store';

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

/** The largest append sent as a prepared statement (one per batch size per connection); a request appends one to three. */
export const PREPARED_APPEND_MAX = 4;

/** How often one batch may find the head moved by another instance before the pass gives up (the sweep retries). */
export const MAX_APPEND_ATTEMPTS = 20;

/** Drains an outbox row may fail on its own before it is parked (left in the outbox, logged, counted). */
export const MAX_DRAIN_ATTEMPTS = 5;

/** Writes one audited fact to the outbox: through the caller's transaction when given one. */
/**
 * Writes audited facts to the outbox, in their order, and returns their rows: through the
 * caller's transaction when given its manager, else on their own.
 */
export function addToOutbox(sql: Sql, drafts: AuditDraft[]): Promise<{ id: string; draft: AuditDraft }[]> {
  return sql.query(
    `INSERT INTO "audit_outbox" ("draft")
     SELECT d FROM unnest($1::jsonb[]) WITH ORDINALITY AS u(d, n) ORDER BY n
     RETURNING "id", "draft"`,
    [drafts.map((d) => JSON.stringify(d))],
  );
}

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

/**
 * One statement, so one transaction: move the head from the seq the rows were sealed on to
 * the last of them, and only if that move happened, insert the sealed rows and delete their
 * outbox rows. A drainer on another instance that moved the head first makes the UPDATE
 * match nothing, so nothing is inserted or deleted (the unique `seq` would refuse a stray row
 * anyway). Every drain moves the head in the statement that deletes its outbox rows, so two
 * drainers can never both take the same row: a row is in the outbox or in the chain.
 */
function appendAndDelete(count: number): string {
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
    ), drained AS (
      DELETE FROM "audit_outbox" WHERE "id" = ANY($${head + 4}::bigint[]) AND EXISTS (SELECT 1 FROM advanced)
    )
    INSERT INTO "audit_events" (${AUDIT_COLUMNS.map(([c]) => `"${c}"`).join(', ')})
    SELECT * FROM (VALUES ${tuples.join(', ')}) AS rows
     WHERE EXISTS (SELECT 1 FROM advanced)
    RETURNING "seq"`;
}

/** An outbox row (`id`), or a draft handed over in memory by a publisher outside a transaction (`id: null`). */
interface Pending {
  id: string | null;
  draft: AuditDraft;
}

/** A row of the outbox. */
type Queued = Pending & { id: string };

/** A draft handed over in memory, and its publisher waiting for it. */
interface Direct {
  draft: AuditDraft;
  done: () => void;
}

interface Snapshot {
  head: { seq: number; hash: string };
  rows: Pending[];
}

/** Why a pass stopped early: the next pass (a kick or the sweep) starts over from the outbox. */
class PassAborted extends Error {}

/**
 * Moves audited facts onto the hash chain: rows of `audit_outbox`, and drafts that publishers
 * outside a transaction hand over in memory (`appendDirect`). One pass reads the head and the
 * oldest outbox rows in one statement, seals them in id order (then the drafts) onto the
 * head's hash, and appends them while deleting them from the outbox in one statement that
 * only takes effect if the head has not moved (optimistic, as the writer before the outbox: two round trips
 * per batch, no explicit transaction; a pass that lost the head to another instance reads
 * again and seals again, counted in `audit_append_retries_total`).
 *
 * Passes run one at a time per instance; `drain()` calls that arrive while one runs share the
 * next pass, so a burst pays one append per batch of up to 200 rows (group commit). Every
 * instance also sweeps the outbox every AUDIT_OUTBOX_SWEEP_MS and once at start, so rows a
 * crashed instance left behind are drained by whichever instance is alive. Draining is safe
 * to run on every instance at once (the head decides), so the sweep needs no job lock.
 *
 * A batch that fails sends its in-memory drafts to the outbox and is retried row by row, so
 * one bad row never holds up the others; a row
 * that fails alone `MAX_DRAIN_ATTEMPTS` times is parked: it stays in the outbox (nothing is
 * lost), is logged at error level with the row and counted in `audit_write_failures_total`.
 */
@Injectable()
export class AuditDrainer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private sweep: NodeJS.Timeout | null = null;
  private stopped = false;
  private failing = false;
  /** Drafts of publishers outside a transaction, appended by the next pass without an outbox row. */
  private readonly direct: Direct[] = [];
  /** A pass is reading and has not taken its drafts yet: a draft handed over now joins it. */
  private collecting = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: AuditMetrics,
    @Inject(auditConfig.KEY) private readonly config: AuditConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sweep = setInterval(() => void this.sweepOnce(), this.config.outboxSweepMs);
    this.sweep.unref();
    void this.sweepOnce();
  }

  /** Stops sweeping and drains what is committed, before the database pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    await this.drain();
    this.stopped = true;
    await this.running;
  }

  /**
   * Appends a fact published outside a transaction. Its change is already committed, so an
   * outbox row would add a commit without closing any window; the draft joins the next pass
   * in memory instead (group commit, two statements for a whole burst). If that append fails,
   * the draft is written to the outbox for a later pass; if even that fails, it is logged at
   * error level with the row and counted. Resolves when one of these has happened; never rejects.
   */
  async appendDirect(draft: AuditDraft): Promise<void> {
    if (this.stopped) {
      await this.toOutbox([draft]);
      return;
    }
    await new Promise<void>((done) => {
      this.direct.push({ draft, done });
      // A pass still reading takes it with the rest (or, if it fails, sends it to the outbox):
      // facts published together cost one append, not one plus an empty read.
      if (!this.collecting) void this.drain();
    });
  }

  /**
   * Resolves once a pass that started after this call has ended: every row committed before
   * the call is then on the chain (or parked, or the pass failed: logged, and the rows wait
   * in the outbox for the next pass). Never rejects.
   */
  drain(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.queued) return this.queued;
    const previous = this.running ?? Promise.resolve();
    const next: Promise<void> = previous.then(async () => {
      this.queued = null;
      this.running = next;
      try {
        await this.pass();
      } finally {
        if (this.running === next) this.running = null;
      }
    });
    this.queued = next;
    return next;
  }

  /** One sweep: a drain, then the backlog gauges. */
  private async sweepOnce(): Promise<void> {
    await this.drain();
    if (this.stopped) return;
    try {
      const [row] = await this.dataSource.query<{ backlog: string; parked: string }[]>(
        `SELECT count(*) AS backlog, count(*) FILTER (WHERE "attempts" >= $1) AS parked FROM "audit_outbox"`,
        [MAX_DRAIN_ATTEMPTS],
      );
      this.metrics.outboxBacklog.set(Number(row.backlog));
      this.metrics.outboxParked.set(Number(row.parked));
    } catch {
      // The pass logged the outage already; the gauges keep their last value.
    }
  }

  private async pass(): Promise<void> {
    try {
      for (;;) {
        this.collecting = true;
        const snapshot = await this.read();
        this.collecting = false;
        const direct = this.direct.splice(0, MAX_BATCH - snapshot.rows.length);
        const full = snapshot.rows.length === MAX_BATCH;
        if (snapshot.rows.length === 0 && direct.length === 0) break;
        await this.appendBatch(
          { head: snapshot.head, rows: [...snapshot.rows, ...direct.map(({ draft }) => ({ id: null, draft }))] },
          direct,
        );
        if (!full && this.direct.length === 0) break;
      }
      if (this.failing) this.logger.log({ event: 'audit_drain_recovered' }, 'Audit outbox drain runs again');
      this.failing = false;
    } catch (error) {
      this.collecting = false;
      this.metrics.drainFailures.inc();
      if (!this.failing || !(error instanceof PassAborted)) {
        this.logger.warn(
          { err: error, event: 'audit_drain_failed' },
          'Audit outbox drain failed; the rows stay in audit_outbox for the next pass',
        );
      }
      this.failing = true;
      // Drafts handed over in memory must not wait for a pass that may be far away.
      const waiting = this.direct.splice(0);
      await this.toOutbox(waiting.map((d) => d.draft));
      for (const d of waiting) d.done();
    }
  }

  /**
   * Keeps drafts that could not be appended in the outbox (in their order) and returns their
   * rows; if even that fails, each is logged at error level with its row and counted.
   */
  private async toOutbox(drafts: AuditDraft[]): Promise<Queued[]> {
    if (drafts.length === 0) return [];
    try {
      return await addToOutbox(this.dataSource, drafts);
    } catch (error) {
      for (const draft of drafts) {
        this.metrics.writeFailures.inc({ type: draft.type });
        this.logger.error(
          { err: error, audit_event: draft },
          `Audit write failed for ${draft.type}; the row is in this log line`,
        );
      }
      return [];
    }
  }

  /** The head and the oldest drainable outbox rows, in one statement. */
  private async read(): Promise<Snapshot> {
    const rows = await preparedQuery<{ head_seq: string; head_hash: string; id: string | null; draft: AuditDraft | null }>(
      this.dataSource.manager,
      'audit_read',
      `SELECT c."head_seq", c."head_hash", o."id", o."draft"
         FROM "audit_chain" c
         LEFT JOIN LATERAL (
           SELECT "id", "draft" FROM "audit_outbox" WHERE "attempts" < $2 ORDER BY "id" LIMIT $1
         ) o ON true
        WHERE c."id" = 1
        ORDER BY o."id"`,
      [MAX_BATCH, MAX_DRAIN_ATTEMPTS],
    );
    if (rows.length === 0) throw new Error('audit_chain has no head row: the Audit migration has not run');
    return {
      head: { seq: Number(rows[0].head_seq), hash: rows[0].head_hash },
      rows: rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, draft: r.draft! })),
    };
  }

  /**
   * Appends a batch. If the statement fails, the drafts handed over in memory are written to
   * the outbox, and then every outbox row of the batch is appended on its own (parking a row
   * that keeps failing), so one bad row never holds up the others. The publishers of the
   * in-memory drafts resume only after that.
   */
  private async appendBatch(snapshot: Snapshot, direct: Direct[]): Promise<void> {
    try {
      await this.append(snapshot);
    } catch (error) {
      const saved = await this.toOutbox(direct.map((d) => d.draft));
      try {
        if (!(error instanceof QueryFailedError)) throw error;
        for (const row of [...snapshot.rows.filter((r): r is Queued => r.id !== null), ...saved]) {
          const fresh = await this.read();
          if (!fresh.rows.some((r) => r.id === row.id)) continue; // another instance took it meanwhile
          try {
            await this.append({ head: fresh.head, rows: [row] });
          } catch (single) {
            if (!(single instanceof QueryFailedError)) throw single;
            await this.failed(row, single);
          }
        }
      } finally {
        for (const d of direct) d.done();
      }
      return;
    }
    for (const d of direct) d.done();
  }

  /** Seals `rows` on the head, and retries on a new head while another instance wins the race. */
  private async append(snapshot: Snapshot): Promise<void> {
    let { head, rows } = snapshot;
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
      const sealed: AuditRow[] = [];
      let seq = head.seq;
      let prevHash = head.hash;
      for (const { draft } of rows) {
        seq += 1;
        const row = sealRow({ id: randomUUID(), seq, ...draft }, prevHash);
        sealed.push(row);
        prevHash = row.hash;
      }
      const params = [...sealed.flatMap(rowParams), head.seq, seq, prevHash, rows.flatMap((r) => (r.id === null ? [] : [r.id]))];
      // Prepared for the batches a request's facts make (one text per size); a sweep's larger ones are not.
      const inserted =
        sealed.length <= PREPARED_APPEND_MAX
          ? await preparedQuery<unknown>(
              this.dataSource.manager,
              `audit_append_${sealed.length}`,
              appendAndDelete(sealed.length),
              params,
            )
          : await this.dataSource.query<unknown[]>(appendAndDelete(sealed.length), params);
      if (inserted.length === sealed.length) {
        for (const row of sealed) this.metrics.written.inc({ type: row.type });
        return;
      }
      this.metrics.appendRetries.inc();
      // Another instance moved the head, and may have drained some of these outbox rows: take
      // what is left of them (drafts in memory are this instance's alone).
      const fresh = await this.read();
      const wanted = new Set(rows.flatMap((r) => (r.id === null ? [] : [r.id])));
      head = fresh.head;
      rows = [...fresh.rows.filter((r) => r.id !== null && wanted.has(r.id)), ...rows.filter((r) => r.id === null)];
      if (rows.length === 0) return;
    }
    throw new PassAborted(`The audit chain head moved under ${MAX_APPEND_ATTEMPTS} append attempts in a row`);
  }

  /** Counts a failed drain of one row; parks it (logged with the row, counted) when it has failed too often. */
  private async failed(row: Queued, error: Error): Promise<void> {
    const [counted] = await this.dataSource.query<{ attempts: number }[]>(
      // A SELECT around the UPDATE: TypeORM returns [rows, count] for a bare UPDATE.
      `WITH counted AS (
         UPDATE "audit_outbox" SET "attempts" = "attempts" + 1, "last_error" = left($2, 500) WHERE "id" = $1 RETURNING "attempts"
       )
       SELECT "attempts" FROM counted`,
      [row.id, error.message],
    );
    if (!counted) return;
    if (counted.attempts >= MAX_DRAIN_ATTEMPTS) {
      this.metrics.writeFailures.inc({ type: row.draft.type });
      this.logger.error(
        { err: error, audit_event: row.draft, audit_outbox_id: row.id },
        `Audit write failed for ${row.draft.type}; the row is in this log line and stays in audit_outbox (parked)`,
      );
    } else {
      this.logger.warn(
        { err: error, audit_outbox_id: row.id, attempts: counted.attempts, event: 'audit_drain_row_failed' },
        `Audit row for ${row.draft.type} could not be appended (attempt ${counted.attempts} of ${MAX_DRAIN_ATTEMPTS})`,
      );
    }
  }
}
