import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { Metrics } from '../../../platform/observability';

/** The audit trail's counters (per-app registry, shown at /metrics). */
@Injectable()
export class AuditMetrics {
  readonly written: Counter<'type'>;
  readonly writeFailures: Counter<'type'>;
  readonly appendRetries: Counter;
  readonly archived: Counter;

  constructor(metrics: Metrics) {
    this.written = metrics.counter({
      name: 'audit_events_written_total',
      help: 'Audit rows appended to the hash chain, by event type.',
      labelNames: ['type'],
    });
    this.writeFailures = metrics.counter({
      name: 'audit_write_failures_total',
      help: 'Events whose audit row could not be written (each is logged at error level with the row), by event type.',
      labelNames: ['type'],
    });
    this.appendRetries = metrics.counter({
      name: 'audit_append_retries_total',
      help: 'Appends that found the chain head moved by another instance since they read it, and sealed their rows again.',
    });
    this.archived = metrics.counter({
      name: 'audit_events_archived_total',
      help: 'Audit rows the retention job archived to gzipped JSONL and deleted.',
    });
  }
}
