/**
 * Group `throttler`: the item GET from three app processes with the same history, the
 * rate limiter off, in memory, and on Redis (skipped without Redis).
 */
import { type Group, type GroupContext, httpMember, itemLoad } from './group';

export function throttlerGroup(ctx: GroupContext): Group {
  const { targets } = ctx;
  const redisApp = targets['app-redis'];
  return {
    id: 'throttler',
    slice: 1,
    settleMs: 100,
    members: [
      httpMember(
        ctx,
        'item-unthrottled',
        'item GET, throttler off',
        'app (RATE_LIMIT_ENABLED=false)',
        itemLoad(ctx, targets['app-unthrottled']),
        ['200'],
      ),
      httpMember(
        ctx,
        'item-memory',
        'item GET, throttler in memory',
        'app (memory store)',
        itemLoad(ctx, targets['app-memory']),
        ['200'],
      ),
      httpMember(
        ctx,
        'item-redis',
        'item GET, throttler on Redis',
        'app (REDIS_URL)',
        itemLoad(ctx, redisApp ?? targets.app),
        ['200'],
        redisApp ? undefined : ctx.redisUnavailable,
      ),
    ],
  };
}
