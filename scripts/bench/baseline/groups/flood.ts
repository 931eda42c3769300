/**
 * Group `flood`: the liveness probe of an idle app next to the same probe while a login flood
 * (from its own process, twice what the argon2 pool takes) hammers that app, and while the same
 * flood hammers another instance on the same machine (what the machine's cores alone cost it); and
 * the login-floor peer's probe, idle and under the same flood aimed at that peer (what a process
 * that refuses a login in its first hook and does nothing else keeps of its probe: the floor); and the
 * same peer doing the platform's per-request work on every response, refusals included (CORS, the
 * security headers and request id, a metric, an access line: the platform floor).
 */
import { sleep } from '../load';
import type { FromTarget, ToTarget } from '../targets';
import type { Load } from '../load';
import {
  fire,
  type Group,
  type GroupContext,
  healthLoad,
  httpMember,
  loginLoad,
  type Member,
  plainLoad,
  targetAt,
} from './group';

export function floodGroup(ctx: GroupContext): Group {
  const { targets, floodTotals } = ctx;
  const health = healthLoad(ctx);
  const floorHealth = plainLoad(ctx, targets['login-floor'], '/health/live');
  const platformFloorHealth = plainLoad(ctx, targets['login-floor-platform'], '/health/live');
  /** `probe` (the app's liveness by default) while the flood hits `floodTarget` (the app itself, or another process on the same cores). */
  const underFlood = (id: string, title: string, floodTarget: string, probe: Load = health, server = 'app'): Member => ({
    id,
    title,
    server,
    connections: ctx.connections,
    expected: ['200'],
    noWarmUp: true,
    cpuOf: targetAt(ctx, probe.url),
    run: async (seconds) => {
      const flood = loginLoad(ctx, ctx.sizing.floodConnections, targets[floodTarget]);
      const stopped = targets.flood.ask(
        { type: 'flood-start', url: flood.url, connections: flood.connections, body: flood.body! },
        (m): m is Extract<FromTarget, { type: 'flood-stopped' }> => m.type === 'flood-stopped',
        (seconds + 60) * 1000,
      );
      await sleep(1000); // let the flood fill the argon2 pool and its queue
      const sample = await fire(targets.client, probe, seconds);
      targets.flood.child.send({ type: 'flood-stop' } satisfies ToTarget);
      const result = await stopped;
      const during = ((floodTotals.by_scenario ??= {})[id] ??= {});
      for (const [code, n] of Object.entries(result.statuses)) {
        floodTotals.statuses[code] = (floodTotals.statuses[code] ?? 0) + n;
        during[code] = (during[code] ?? 0) + n;
      }
      floodTotals.errors += result.errors;
      return sample;
    },
  });
  return {
    id: 'flood',
    slice: 2.5,
    settleMs: 1500,
    members: [
      httpMember(ctx, 'health-idle', 'GET /health/live, idle app', 'app', health, ['200']),
      underFlood('health-flood', 'GET /health/live, login flood', 'app'),
      // The machine's share of the effect: the same flood on another instance (app-memory: same database, same
      // settings) shares the two cores with this app but not its event loop.
      underFlood('health-flood-elsewhere', 'GET /health/live, login flood on another instance', 'app-memory'),
      // The floor of the first ratio: the same flood on a process that refuses in its first hook and does nothing else.
      httpMember(ctx, 'floor-health-idle', 'login-floor peer GET /health/live, idle', 'login-floor', floorHealth, ['200']),
      underFlood(
        'floor-health-flood',
        'login-floor peer GET /health/live, its login flood',
        'login-floor',
        floorHealth,
        'login-floor',
      ),
      httpMember(
        ctx,
        'platform-floor-health-idle',
        'login-floor peer with the platform work GET /health/live, idle',
        'login-floor-platform',
        platformFloorHealth,
        ['200'],
      ),
      underFlood(
        'platform-floor-health-flood',
        'login-floor peer with the platform work GET /health/live, its login flood',
        'login-floor-platform',
        platformFloorHealth,
        'login-floor-platform',
      ),
    ],
  };
}
