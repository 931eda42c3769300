import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type Repository } from 'typeorm';
import { EventBus } from '../../platform/events';
import { type Page, pageOf } from '../../platform/http/pagination';
import { ValidationFailedError } from '../../platform/http/validation';
import { ONE_STATEMENT } from '../../platform/database/one-statement';
import { rollUp, type ServiceStatus, statusEventViolations } from './domain/status-rollup';
import { StatusEventEntity } from './infra/status-event.entity';

export interface StatusEventView {
  id: string;
  service: string;
  status: ServiceStatus;
  message: string;
  created_by: string | null;
  created_at: string;
}

export interface ServiceStatusView {
  service: string;
  status: ServiceStatus;
  message: string;
  updated_at: string;
}

export interface StatusSummaryView {
  overall: ServiceStatus;
  services: ServiceStatusView[];
}

export interface PostStatusEvent {
  service: string;
  status: ServiceStatus;
  message: string;
}

function toView(event: StatusEventEntity): StatusEventView {
  return {
    id: event.id,
    service: event.service,
    status: event.status,
    message: event.message,
    created_by: event.createdBy,
    created_at: event.createdAt.toISOString(),
  };
}

interface LatestRow {
  service: string;
  status: ServiceStatus;
  message: string;
  created_at: Date;
}

/**
 * The latest event of every service, in one ordered pass over the index
 * `(service, created_at DESC)`. The ORDER BY must match the index exactly: adding a
 * tie-breaker column (`id`) makes PostgreSQL sort the whole table instead (checked with
 * EXPLAIN on 200k rows: 580 ms against 100 ms). Two events of one service in the very same
 * microsecond are not a case worth that price.
 */
export const LATEST_PER_SERVICE_SQL = `
  SELECT DISTINCT ON ("service") "service", "status", "message", "created_at"
  FROM "status_events"
  ORDER BY "service", "created_at" DESC`;

/** The status page feed: admins post events; anyone reads the roll-up. */
@Injectable()
export class StatusService {
  constructor(
    @InjectRepository(StatusEventEntity) private readonly events: Repository<StatusEventEntity>,
    private readonly bus: EventBus,
  ) {}

  /**
   * Records a service's new status. `byUserId` is the admin who posted it (null for an
   * automated caller). A malformed event is a 400 `validation_failed` listing every bad field.
   */
  async post(input: PostStatusEvent, byUserId: string | null): Promise<StatusEventView> {
    const violations = statusEventViolations(input);
    if (violations.length > 0) {
      throw new ValidationFailedError(violations, 'The status event has invalid fields.');
    }
    const saved = await this.events.save(
      this.events.create({ service: input.service, status: input.status, message: input.message, createdBy: byUserId }),
      ONE_STATEMENT,
    );
    await this.bus.publish('status.event_posted', {
      event_id: saved.id,
      service: saved.service,
      status: saved.status,
      by_user_id: byUserId,
    });
    return toView(saved);
  }

  /** Every posted event, newest first, optionally of one service. */
  async list(filter: { service?: string }, page: { page: number; page_size: number }): Promise<Page<StatusEventView>> {
    const qb = this.events.createQueryBuilder('e');
    if (filter.service !== undefined) qb.where('e.service = :service', { service: filter.service });
    return pageOf(qb.orderBy('e.created_at', 'DESC').addOrderBy('e.id', 'DESC'), page, toView);
  }

  /** Each service's latest status and the worst of them; `operational` when nothing was ever posted. */
  async current(): Promise<StatusSummaryView> {
    const rows = await this.events.query<LatestRow[]>(LATEST_PER_SERVICE_SQL);
    const summary = rollUp(rows.map((r) => ({ service: r.service, status: r.status, message: r.message, at: r.created_at })));
    return {
      overall: summary.overall,
      services: summary.services.map((s) => ({
        service: s.service,
        status: s.status,
        message: s.message,
        updated_at: s.at.toISOString(),
      })),
    };
  }
}
