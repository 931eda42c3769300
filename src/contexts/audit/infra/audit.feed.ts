import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Coalesced, PgListener } from '../../../platform/live';
import type { AuditRow } from '../domain/hash-chain';
import { readChainState, readRangeAfter, readRowsAfter } from './audit-chain.store';

/** Rows per read, both for the live pump and a reconnecting stream's replay. */
export const FEED_BATCH = 500;

/** The tenant an audit row is about (the JS twin of `tenantOfEvent`). */
export function tenantOfRow(row: AuditRow): string | null {
  if (row.subject_type === 'tenant') return row.subject_id;
  const id = (row.metadata as Record<string, unknown> | null)?.tenant_id;
  return typeof id === 'string' ? id : null;
}

/** Which rows a stream wants. */
export interface AuditRowFilter {
  types?: ReadonlySet<string>;
  tenantId?: string;
}

export const matches = (row: AuditRow, filter: AuditRowFilter): boolean =>
  (!filter.types || filter.types.has(row.type)) && (!filter.tenantId || tenantOfRow(row) === filter.tenantId);

/** Where a subscription's rows go (an SSE stream, a WebSocket). */
export type AuditSink = (row: AuditRow) => void;

/**
 * The audit chain as a live feed, on every instance: the `audit` notification (a committed
 * append, on any instance) makes one read of the rows after the last seen seq, shared by all
 * of this instance's subscriptions. A subscription resumes after a given seq (`Last-Event-ID`)
 * by replaying from the table first, so it sees every row once, in chain order, without gaps.
 */
@Injectable()
export class AuditFeed implements OnApplicationBootstrap {
  private readonly logger = new Logger('AuditFeed');
  private readonly subscriptions = new Set<AuditSubscription>();
  private lastSeq = 0;
  /** Rows were appended while nobody subscribed: `lastSeq` is behind the head (read again before use). */
  private stale = false;
  private readonly pump = new Coalesced(
    () => this.readNew(),
    (error) => this.logger.error({ err: error }, 'Reading new audit rows failed'),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly listener: PgListener,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.lastSeq = (await readChainState(this.dataSource)).head.seq;
    this.listener.on('audit', () => this.kick());
  }

  /** The last seq this instance has read (new subscriptions without a resume point start after it). */
  get head(): number {
    return this.lastSeq;
  }

  /** The chain's head as this instance knows it, read again when appends went unread (nobody subscribed). */
  async currentHead(): Promise<number> {
    if (this.stale) {
      this.stale = false;
      this.lastSeq = Math.max(this.lastSeq, (await readChainState(this.dataSource)).head.seq);
    }
    return this.lastSeq;
  }

  /**
   * Rows after `after` (`null`: from now on) matching `filter` go to `sink`, in order, each once.
   * Returns the unsubscribe.
   */
  subscribe(after: number | null, filter: AuditRowFilter, sink: AuditSink): () => void {
    const subscription = new AuditSubscription(this, after, filter, sink);
    this.subscriptions.add(subscription);
    subscription.start();
    return () => {
      subscription.stop();
      this.subscriptions.delete(subscription);
    };
  }

  rowsAfter(seq: number, limit = FEED_BATCH): Promise<AuditRow[]> {
    return readRowsAfter(this.dataSource, seq, limit);
  }

  /** A subscription's replay: the rows after `seq`, up to `upTo`, that `filter` wants (filtered by the database). */
  replayAfter(seq: number, upTo: number, filter: AuditRowFilter, limit = FEED_BATCH): Promise<AuditRow[]> {
    return readRangeAfter(this.dataSource, seq, limit, {
      upTo,
      types: filter.types ? [...filter.types] : undefined,
      tenantId: filter.tenantId,
    });
  }

  private kick(): void {
    // Nobody listens here: no read (an instance without streams pays nothing per append).
    if (this.subscriptions.size === 0) {
      this.stale = true;
      return;
    }
    this.pump.kick();
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const rows = await this.rowsAfter(this.lastSeq);
      if (rows.length === 0) return;
      this.lastSeq = rows[rows.length - 1].seq;
      for (const subscription of this.subscriptions) subscription.deliver(rows);
      if (rows.length < FEED_BATCH) return;
    }
  }
}

const subscriptionLogger = new Logger('AuditFeed');

/** One subscriber's position in the chain. */
class AuditSubscription {
  private replaying = false;
  private behind = false;
  private stopped = false;

  private lastSent = 0;

  constructor(
    private readonly feed: AuditFeed,
    private readonly after: number | null,
    private readonly filter: AuditRowFilter,
    private readonly sink: AuditSink,
  ) {}

  /** Finds the starting point (the given seq, or the head now), then catches up from the table. */
  start(): void {
    this.replaying = true;
    void (async () => {
      try {
        this.lastSent = this.after ?? (await this.feed.currentHead());
      } finally {
        this.replaying = false;
      }
      await this.catchUp();
    })().catch((error: unknown) => subscriptionLogger.error({ err: error }, 'A feed subscription could not catch up'));
  }

  stop(): void {
    this.stopped = true;
  }

  deliver(rows: AuditRow[]): void {
    if (this.stopped) return;
    if (this.replaying || rows[0].seq > this.lastSent + 1) {
      this.behind = true;
      if (!this.replaying) {
        this.catchUp().catch((error: unknown) =>
          subscriptionLogger.error({ err: error }, 'A feed subscription could not catch up'),
        );
      }
      return;
    }
    this.emit(rows);
  }

  private emit(rows: AuditRow[]): void {
    for (const row of rows) {
      if (this.stopped) return;
      if (row.seq <= this.lastSent) continue;
      this.lastSent = row.seq;
      if (matches(row, this.filter)) this.sink(row);
    }
  }

  /**
   * Reads from the table until it has caught up with the feed (rows delivered meanwhile are read
   * again): the rows this subscription wants up to the head this instance has read, then its
   * position moves to that head. Only its own rows are read: a tenant's stream resuming from 0
   * reads the tenant's rows, not the whole chain.
   */
  private async catchUp(): Promise<void> {
    this.replaying = true;
    try {
      do {
        this.behind = false;
        const head = await this.feed.currentHead();
        for (;;) {
          const rows = await this.feed.replayAfter(this.lastSent, head, this.filter);
          this.emit(rows);
          if (rows.length < FEED_BATCH || this.stopped) break;
        }
        this.lastSent = Math.max(this.lastSent, head);
      } while (this.behind && !this.stopped);
    } finally {
      this.replaying = false;
    }
  }
}
