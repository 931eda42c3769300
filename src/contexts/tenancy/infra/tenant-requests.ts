import { Injectable } from '@nestjs/common';
import { FlexibleThrottlerStorage } from '../../../platform/rate-limit';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The counters never refuse by themselves: the quota is compared with the count (`TenantScopes`). */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** A tenant's request count in its current window, and when that window ends (seconds from now). */
export interface TenantRequestCount {
  hits: number;
  resetInSeconds: number;
}

/**
 * Requests made in each tenant, per one-minute and one-day fixed window, in the platform's
 * rate-limit store (Redis when `REDIS_URL` is set, so every instance counts into the same
 * windows; process memory otherwise). The minute count is what `max_requests_per_minute`
 * limits; both are what `GET /tenants/{id}/usage` reports.
 */
@Injectable()
export class TenantRequests {
  constructor(private readonly storage: FlexibleThrottlerStorage) {}

  /** Counts one request in both windows; the minute window's standing. */
  async count(tenantId: string): Promise<TenantRequestCount> {
    const [minute] = await Promise.all([
      this.storage.increment(tenantId, MINUTE_MS, UNBOUNDED, 0, 'tenant-minute'),
      this.storage.increment(tenantId, DAY_MS, UNBOUNDED, 0, 'tenant-day'),
    ]);
    return { hits: minute.totalHits, resetInSeconds: minute.timeToExpire };
  }

  /** The requests of the current minute and day windows, without counting one. */
  async usage(tenantId: string): Promise<{ minute: number; day: number }> {
    const [minute, day] = await Promise.all([
      this.storage.peek(tenantId, MINUTE_MS, UNBOUNDED, 0, 'tenant-minute'),
      this.storage.peek(tenantId, DAY_MS, UNBOUNDED, 0, 'tenant-day'),
    ]);
    return { minute, day };
  }
}
