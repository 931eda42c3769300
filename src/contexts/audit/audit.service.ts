import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { type Page, pageOf } from '../../platform/http/pagination';
import { ValidationFailedError } from '../../platform/http/validation';
import { JobRunner } from '../../platform/jobs';
import { auditConfig, type AuditConfig } from './audit.config';
import type { AuditRow } from './domain/hash-chain';
import { type ArchiveResult, archiveExpiredRows } from './infra/audit.archiver';
import { AuditDrainer } from './infra/audit.drainer';
import { AuditEventEntity } from './infra/audit-event.entity';
import { AuditMetrics } from './infra/audit.metrics';
import { readChainState, readLastRows, tenantOfEvent } from './infra/audit-chain.store';
import { verifyAuditChain, type VerifyOptions, type VerifyReport } from './infra/chain-verification';

/** An audit row on the wire: every column, snake_case, hashes included so anyone can re-check the chain. */
export type AuditEventView = AuditRow;

export interface AuditEventFilter {
  /** Only the rows about this tenant (`TENANT_OF_EVENT`). */
  tenantId?: string;
  type?: string;
  actorId?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export const MAX_LOG_LIMIT = 1000;
export const DEFAULT_LOG_LIMIT = 100;

const DAY_MS = 86_400_000;

/**
 * The tenant an audit row is about, from its hashed content: the subject of a tenancy event,
 * else `metadata.tenant_id` (events of tenant-owned data carry it). The expression of
 * `ix_audit_events_tenant_occurred`, verbatim, so the index serves the tenant's view.
 */
export const TENANT_OF_EVENT = tenantOfEvent('e');

export function toAuditEventView(row: AuditEventEntity): AuditEventView {
  return {
    id: row.id,
    seq: Number(row.seq),
    occurred_at: row.occurredAt.toISOString(),
    type: row.type,
    actor_id: row.actorId,
    actor_ip: row.actorIp,
    user_agent: row.userAgent,
    subject_type: row.subjectType,
    subject_id: row.subjectId,
    outcome: row.outcome,
    request_id: row.requestId,
    metadata: row.metadata,
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}

/**
 * The audit trail's read side, its verification and its retention. Rows are written by the
 * context's event subscriber only; nothing here changes a row.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
    private readonly dataSource: DataSource,
    private readonly jobs: JobRunner,
    private readonly clock: Clock,
    private readonly metrics: AuditMetrics,
    private readonly drainer: AuditDrainer,
    @Inject(auditConfig.KEY) private readonly config: AuditConfig,
  ) {}

  /**
   * Moves every committed row of the audit outbox onto the chain (a pass that starts after
   * this call); resolves when it has ended, never rejects. The drainer runs by itself after
   * every publish and on a sweep: this is for tools and tests that must see the chain settled.
   */
  drainOutbox(): Promise<void> {
    return this.drainer.drain();
  }

  /** Audit rows, newest first (`occurred_at DESC, seq DESC`), filtered by type, actor and time window. */
  async query(filter: AuditEventFilter, page: { page: number; page_size: number }): Promise<Page<AuditEventView>> {
    if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime()) {
      throw new ValidationFailedError([{ field: 'to', code: 'after_from', message: 'to must be later than from' }]);
    }
    const qb = this.events.createQueryBuilder('e');
    if (filter.tenantId !== undefined) qb.andWhere(`${TENANT_OF_EVENT} = :tenantId`, { tenantId: filter.tenantId });
    if (filter.type !== undefined) qb.andWhere('e.type = :type', { type: filter.type });
    if (filter.actorId !== undefined) qb.andWhere('e.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.from !== undefined) qb.andWhere('e.occurred_at >= :from', { from: filter.from });
    if (filter.to !== undefined) qb.andWhere('e.occurred_at < :to', { to: filter.to });
    return pageOf(qb.orderBy('e.occurred_at', 'DESC').addOrderBy('e.seq', 'DESC'), page, toAuditEventView);
  }

  /** The last `limit` rows of the chain, oldest first, as a log tail reads. */
  async tail(limit: number = DEFAULT_LOG_LIMIT): Promise<AuditEventView[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOG_LIMIT) {
      throw new ValidationFailedError([
        { field: 'limit', code: 'range', message: `limit must be between 1 and ${MAX_LOG_LIMIT}` },
      ]);
    }
    return readLastRows(this.dataSource, limit);
  }

  /** Walks the whole chain (see `npm run audit:verify`). */
  verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    return verifyAuditChain(this.dataSource, options);
  }

  /** Archives (gzipped JSONL in AUDIT_ARCHIVE_DIR) and deletes rows older than AUDIT_RETENTION_DAYS. */
  async archiveExpired(now: Date = this.clock.now()): Promise<ArchiveResult> {
    const result = await archiveExpiredRows(this.dataSource, this.config, now);
    this.metrics.archived.inc(result.archived);
    if (result.archived > 0) {
      this.logger.log(
        { archived: result.archived, files: result.files, cutoff: result.cutoff },
        `Archived ${result.archived} audit rows older than ${result.cutoff}`,
      );
    }
    return result;
  }

  /**
   * Daily, once across instances: the retention run, then the chain head written to the log.
   * The logged heads anchor the chain outside the database: a rewrite of the whole chain by
   * someone able to recompute every hash still disagrees with the heads already shipped.
   */
  @Cron(CronExpression.EVERY_DAY_AT_3AM, { name: 'audit_retention' })
  async retentionScheduled(): Promise<void> {
    const now = this.clock.now();
    await this.jobs.runOnce(
      'audit_retention',
      DAY_MS,
      async () => {
        await this.archiveExpired(now);
        const { head, anchor } = await readChainState(this.dataSource);
        this.logger.log(
          { audit_head_seq: head.seq, audit_head_hash: head.hash, audit_anchor_seq: anchor.seq },
          `Audit chain head: seq ${head.seq} ${head.hash}`,
        );
      },
      now,
    );
  }
}
