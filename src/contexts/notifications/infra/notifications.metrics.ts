import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { Metrics } from '../../../platform/observability';
import type { AttemptStatus } from '../domain/delivery';
import type { Channel } from '../domain/recipient';
import { NotificationStore } from './notification.store';

/** Delivery counters and the queue depth (`notification_provider_circuit_state` lives with the breakers). */
@Injectable()
export class NotificationsMetrics {
  private readonly sent: Counter<'channel' | 'template'>;
  private readonly failed: Counter<'channel' | 'template' | 'reason'>;
  private readonly attempts: Counter<'channel' | 'outcome'>;

  constructor(metrics: Metrics, store: NotificationStore) {
    this.sent = metrics.counter({
      name: 'notifications_sent_total',
      help: 'Notifications a provider accepted, by channel and template.',
      labelNames: ['channel', 'template'],
    });
    this.failed = metrics.counter({
      name: 'notifications_failed_total',
      help: 'Notifications given up on (permanent error, or attempts exhausted), by channel, template and reason.',
      labelNames: ['channel', 'template', 'reason'],
    });
    this.attempts = metrics.counter({
      name: 'notification_attempts_total',
      help: 'Delivery attempts by channel and outcome (sent, failed, abandoned).',
      labelNames: ['channel', 'outcome'],
    });
    metrics.gauge({
      name: 'notifications_queue_depth',
      help: 'Notifications waiting for delivery (pending or being sent), by channel; read when Prometheus scrapes.',
      labelNames: ['channel'],
      async collect() {
        const depth = await store.queueDepth().catch(() => null);
        if (!depth) return;
        this.reset();
        for (const channel of ['email', 'whatsapp'] as const) {
          this.set({ channel }, depth.find((d) => d.channel === channel)?.count ?? 0);
        }
      },
    });
  }

  attempt(channel: Channel, outcome: AttemptStatus): void {
    this.attempts.inc({ channel, outcome });
  }

  delivered(channel: Channel, template: string): void {
    this.sent.inc({ channel, template });
  }

  gaveUp(channel: Channel, template: string, reason: string): void {
    this.failed.inc({ channel, template, reason });
  }
}
