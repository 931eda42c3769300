import { Injectable } from '@nestjs/common';
import { Metrics } from '../../../platform/observability';
import { SessionsService } from '../sessions.service';

/** `active_sessions`: usable sessions across all users, counted when Prometheus scrapes. */
@Injectable()
export class SessionsMetrics {
  constructor(metrics: Metrics, sessions: SessionsService) {
    metrics.gauge({
      name: 'active_sessions',
      help: 'Sessions that can still be used (not revoked, not expired, not idle too long).',
      async collect() {
        this.set(await sessions.countActive());
      },
    });
  }
}
