/**
 * Group `throttler`: the item GET from three app processes with the same history, the
 * rate limiter off, in memory, and on Redis (skipped without Redis); and the Fastify + pg item
 * without and with the app's two rate-limit tiers counted on Redis first, in one peer process:
 * what the two counters cost with nothing around them (the Redis ratio's floor).
 */
import { peerCaller } from '../seed';
import { type Group, type GroupContext, httpMember, itemLoad, plainLoad } from './group';

export function throttlerGroup(ctx: GroupContext): Group {
  const { targets } = ctx;
  const redisApp = targets['app-redis'];
  const peer = targets['fastify-pg-redis'];
  const peerItem = (throttle: boolean) =>
    plainLoad(
      ctx,
      peer ?? targets['fastify-pg'],
      `/projects/${ctx.seed.item.id}?${peerCaller(ctx.seed)}${throttle ? '&throttle=1' : ''}`,
    );
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
      httpMember(
        ctx,
        'pg-item-off',
        'Fastify + pg item, no counters',
        'fastify-pg (REDIS_URL)',
        peerItem(false),
        ['200'],
        peer ? undefined : ctx.redisUnavailable,
      ),
      httpMember(
        ctx,
        'pg-item-redis',
        'Fastify + pg item, the two tiers on Redis',
        'fastify-pg (REDIS_URL)',
        peerItem(true),
        ['200'],
        peer ? undefined : ctx.redisUnavailable,
      ),
    ],
  };
}
