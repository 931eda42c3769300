import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { type DomainEvent, OnDomainEvent } from '../../../platform/events';
import { Metrics } from '../../../platform/observability';

/** Upload counters, fed by the files context's own events. */
@Injectable()
export class FilesMetrics {
  private readonly accepted: Counter<'scan_status'>;
  private readonly rejected: Counter<'reason'>;
  private readonly bytes: Counter;

  constructor(metrics: Metrics) {
    this.accepted = metrics.counter({
      name: 'files_uploads_accepted_total',
      help: 'Stored uploads, by scan status (clean, not_scanned, scan_failed).',
      labelNames: ['scan_status'],
    });
    this.rejected = metrics.counter({
      name: 'files_uploads_rejected_total',
      help: 'Refused uploads, by reason (the problem code: file_type_not_allowed, file_too_large, file_infected, ...).',
      labelNames: ['reason'],
    });
    this.bytes = metrics.counter({ name: 'files_uploaded_bytes_total', help: 'Bytes of stored uploads.' });
  }

  @OnDomainEvent('files.uploaded')
  uploaded(event: DomainEvent<'files.uploaded'>): void {
    this.accepted.inc({ scan_status: event.scan_status });
    this.bytes.inc(event.size);
  }

  @OnDomainEvent('files.upload_rejected')
  uploadRejected(event: DomainEvent<'files.upload_rejected'>): void {
    this.rejected.inc({ reason: event.reason });
  }
}
