import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../../../platform/clock';
import { afterCommit, currentTransaction } from '../../../platform/database/transaction-context';
import { currentRequestContext } from '../../../platform/http/request-context';
import { auditedEventNames } from '../domain/audit-mapping';
import { type AuditDraft, auditDraftFor } from '../domain/audit-record';
import { EmailPseudonyms } from '../domain/email-pseudonyms';
import { scrubMetadata } from '../domain/pii';
import { AuditDrainer, addToOutbox } from './audit.drainer';
import { AuditMetrics } from './audit.metrics';

/**
 * Subscribes to every event `AUDIT_MAPPING` audits, so adding an event is one entry in that
 * table and nothing here. Listeners are registered at module init, before any
 * `onApplicationBootstrap` (the admin seed) can publish; the publisher awaits them.
 *
 * Inside the publisher's transaction (`runInTransaction`) an event becomes one row of
 * `audit_outbox`, written through that transaction (the row commits or rolls back with the
 * change) and moved onto the hash chain by the drainer after the commit. Outside one, the
 * change is already committed and an outbox row would close no window: the draft is handed to
 * the drainer in memory and appended in its next pass (group commit). Either way the
 * publisher resumes once the row is on the chain (or, if the append failed, in the outbox).
 *
 * An outbox row that cannot be written inside a transaction fails that transaction (the
 * change is not made without its record). Outside one, a draft that can be neither appended
 * nor kept in the outbox is logged at error level with the whole (already scrubbed) row and
 * counted in `audit_write_failures_total`, and the publisher goes on.
 */
@Injectable()
export class AuditSubscriber implements OnModuleInit {
  private readonly logger = new Logger('Audit');
  /** One function, so `afterCommit` runs one drain per transaction however many rows it wrote. */
  private readonly drainAfterCommit = (): Promise<void> => this.drainer.drain();

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly drainer: AuditDrainer,
    private readonly metrics: AuditMetrics,
    private readonly clock: Clock,
    private readonly pseudonyms: EmailPseudonyms,
  ) {}

  onModuleInit(): void {
    for (const name of auditedEventNames()) {
      // The listener returns its promise on purpose: `emitAsync` (EventBus.publish) awaits it.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      this.emitter.on(name, (event: Record<string, unknown>) => this.record(name, event), { async: true, promisify: true });
    }
  }

  /**
   * Records one event. Inside a transaction it rejects when the outbox row cannot be written
   * (so the transaction rolls back); outside one it resolves whatever happens.
   */
  async record(name: string, event: Record<string, unknown>): Promise<void> {
    const transaction = currentTransaction();
    let draft: AuditDraft | null = null;
    try {
      draft = auditDraftFor(name, event, currentRequestContext(), this.clock.now(), this.pseudonyms);
      if (!draft) return;
      if (!transaction) return await this.drainer.appendDirect(draft);
      await addToOutbox(transaction, [draft]);
    } catch (error) {
      const row = draft ?? { type: name, metadata: scrubMetadata(event) };
      if (transaction) {
        this.logger.error(
          { err: error, audit_event: row },
          `Audit outbox write failed for ${name}; the transaction that published it rolls back`,
        );
        throw error;
      }
      this.metrics.writeFailures.inc({ type: name });
      this.logger.error({ err: error, audit_event: row }, `Audit write failed for ${name}; the row is in this log line`);
      return;
    }
    afterCommit(this.drainAfterCommit);
  }
}
