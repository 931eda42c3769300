import { Injectable } from '@nestjs/common';
import type { Counter, Gauge } from 'prom-client';
import { Metrics } from '../../../platform/observability';

/** The audit trail's counters and gauges (per-app registry, shown at /metrics). */
@Injectable()
export class AuditMetrics {
  readonly written: Counter<'type'>;
  readonly writeFailures: Counter<'type'>;
  readonly appendRetries: Counter;
  readonly drainFailures: Counter;
  readonly outboxBacklog: Gauge;
  readonly outboxParked: Gauge;
  readonly archived: Counter;

  constructor(metrics: Metrics) {
    this.written = metrics.counter({
      name: 'audit_events_written_total',
      help: 'Audit rows appended to the hash chain (moved there from the outbox), by event type.',
      labelNames: ['type'],
    });
    this.writeFailures = metrics.counter({
      name: 'audit_write_failures_total',
      help:
        'Audit rows that could not be recorded, by event type: the outbox insert failed outside a transaction, or the row ' +
        'was parked in the outbox after failing to append too often. Each is logged at error level with the row.',
      labelNames: ['type'],
    });
    this.appendRetries = metrics.counter({
      name: 'audit_append_retries_total',
      help: 'Appends that found the chain head moved by another instance since they read it, and sealed their rows again.',
    });
    this.drainFailures = metrics.counter({
      name: 'audit_drain_failures_total',
      help: 'Outbox drain passes that stopped on an error (the rows stay in audit_outbox for the next pass).',
    });
    this.outboxBacklog = metrics.gauge({
      name: 'audit_outbox_backlog',
      help: 'Rows in audit_outbox not yet on the hash chain, as of the last sweep (parked rows included).',
    });
    this.outboxParked = metrics.gauge({
      name: 'audit_outbox_parked',
      help: 'Rows in audit_outbox that failed to append too often and wait for an operator, as of the last sweep.',
    });
    this.archived = metrics.counter({
      name: 'audit_events_archived_total',
      help: 'Audit rows the retention job archived to gzipped JSONL and deleted.',
    });
  }
}
