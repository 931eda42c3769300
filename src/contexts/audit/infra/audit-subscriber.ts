import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../../../platform/clock';
import { currentRequestContext } from '../../../platform/http/request-context';
import { auditedEventNames } from '../domain/audit-mapping';
import { type AuditDraft, auditDraftFor } from '../domain/audit-record';
import { scrubMetadata } from '../domain/pii';
import { AuditMetrics } from './audit-metrics';
import { AuditWriter } from './audit-writer';

/**
 * Subscribes to every event `AUDIT_MAPPING` audits, so adding an event is one entry in that
 * table and nothing here. Listeners are registered at module init, before any
 * `onApplicationBootstrap` (the admin seed) can publish, with the same options as
 * `@OnDomainEvent`: the publisher awaits the audit write.
 *
 * A write that fails is never silently lost: it is logged at error level with the whole
 * (already scrubbed) row, so it can be replayed from the logs, and counted in
 * `audit_write_failures_total`. It never fails the publisher.
 */
@Injectable()
export class AuditSubscriber implements OnModuleInit {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly writer: AuditWriter,
    private readonly metrics: AuditMetrics,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    for (const name of auditedEventNames()) {
      // The listener returns its promise on purpose: `emitAsync` (EventBus.publish) awaits it.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      this.emitter.on(name, (event: Record<string, unknown>) => this.record(name, event), { async: true, promisify: true });
    }
  }

  /** Writes the audit row for one event; resolves whatever happens. */
  async record(name: string, event: Record<string, unknown>): Promise<void> {
    let draft: AuditDraft | null = null;
    try {
      draft = auditDraftFor(name, event, currentRequestContext(), this.clock.now());
      if (!draft) return;
      await this.writer.append(draft);
      this.metrics.written.inc({ type: name });
    } catch (error) {
      this.metrics.writeFailures.inc({ type: name });
      this.logger.error(
        { err: error, audit_event: draft ?? { type: name, metadata: scrubMetadata(event) } },
        `Audit write failed for ${name}; the row is in this log line`,
      );
    }
  }
}
