import { comparisons } from '../scripts/bench/baseline/comparisons';
import type { ScenarioResult } from '../scripts/bench/baseline/report';

const at = (id: string, rps: number, skipped?: string): ScenarioResult => ({
  id,
  group: 'g',
  title: id,
  server: 'app',
  connections: 10,
  expected: ['200'],
  unexpected: {},
  rps,
  ...(skipped ? { skipped } : {}),
});

const byId = (scenarios: ScenarioResult[]) => new Map(comparisons(scenarios).map((c) => [c.id, c]));

/** The throttler group's four scenarios at these rates (a skipped peer with the tiers: `peerRedis` 0 and a reason). */
const throttler = (off: number, redis: number, peerOff: number, peerRedis: number, skipped?: string) =>
  byId([
    at('item-unthrottled', off),
    at('item-redis', redis),
    at('pg-item-off', peerOff),
    at('pg-item-redis', peerRedis, skipped),
  ]);

describe('benchmark comparisons: floors', () => {
  it("adds to the app's request only the machine time the peer spends on the feature", () => {
    // The peer: 1,000 req/s without the counters, 800 with them: 0.25 ms per request more.
    // The app without: 2,000 req/s (0.5 ms); its floor with the counters: 0.75 ms, a ratio of 2/3.
    const ratios = throttler(2000, 1200, 1000, 800);
    expect(ratios.get('throttler-redis')?.ratio).toBeCloseTo(0.6);
    expect(ratios.get('throttler-redis-floor')?.ratio).toBeCloseTo(2 / 3);
    expect(ratios.get('throttler-redis-vs-floor')?.ratio).toBeCloseTo(0.9);
    expect(ratios.get('pg-throttler-redis')?.ratio).toBeCloseTo(0.8);
  });

  it('keeps the keyed POST floor under its recorded ids', () => {
    const ratios = byId([at('post', 1000), at('post-key', 800), at('pg-post', 2000), at('pg-post-key', 1600)]);
    // 1/1600 - 1/2000 = 0.125 ms more; 1 ms + 0.125 ms → 1/1.125.
    expect(ratios.get('post-key-floor')?.ratio).toBeCloseTo(1 / 1.125);
    expect(ratios.get('post-key-vs-floor')?.ratio).toBeCloseTo(0.8 * 1.125);
  });

  it('gives no floor when a peer was skipped, and never a floor above 1 when the peer got faster with the feature', () => {
    const skipped = throttler(2000, 1200, 1000, 0, 'no Redis');
    expect(skipped.has('throttler-redis-floor')).toBe(false);
    const noise = throttler(2000, 1900, 1000, 1100);
    expect(noise.get('throttler-redis-floor')?.ratio).toBe(1);
  });
});

describe('benchmark comparisons: the login and the flood against their floors', () => {
  it('sets the login against raw verification and against its floor (the login-floor peer with the round trips)', () => {
    const ratios = byId([at('argon2-verify', 100), at('login', 60), at('login-floor-http', 95), at('login-floor', 80)]);
    expect(ratios.get('login-vs-verify')?.ratio).toBeCloseTo(0.6);
    expect(ratios.get('login-floor-http')?.ratio).toBeCloseTo(0.95);
    expect(ratios.get('login-floor')?.ratio).toBeCloseTo(0.8);
    expect(ratios.get('login-vs-floor')?.ratio).toBeCloseTo(0.75);
  });

  it("sets the login against its floor doing the app's own work (the login-floor peer's ?work=app)", () => {
    const ratios = byId([at('argon2-verify', 100), at('login', 60), at('login-app-floor', 64)]);
    expect(ratios.get('login-app-floor')?.ratio).toBeCloseTo(0.64);
    expect(ratios.get('login-vs-app-floor')?.ratio).toBeCloseTo(0.9375);
    expect(byId([at('argon2-verify', 100), at('login', 60)]).has('login-vs-app-floor')).toBe(false);
  });

  it("divides the app's liveness-under-flood ratio by the bare process's, and leaves it out when the floor is missing", () => {
    const flood = [at('health-idle', 20_000), at('health-flood', 2_600)];
    const ratios = byId([...flood, at('floor-health-idle', 40_000), at('floor-health-flood', 8_000)]);
    expect(ratios.get('health-under-flood')?.ratio).toBeCloseTo(0.13);
    expect(ratios.get('flood-floor')?.ratio).toBeCloseTo(0.2);
    expect(ratios.get('flood-vs-floor')?.ratio).toBeCloseTo(0.65);
    expect(byId(flood).has('flood-vs-floor')).toBe(false);
    expect(byId([...flood, at('floor-health-idle', 40_000), at('floor-health-flood', 0, 'no peer')]).has('flood-vs-floor')).toBe(
      false,
    );
  });
});

describe("benchmark comparisons: the item GET's tail against its peer's", () => {
  const withLatency = (id: string, p50: number, p99: number): ScenarioResult => ({
    ...at(id, 1000),
    latencyMs: { p50, p97_5: p99, p99 },
  });

  it("sets the app's p50 / p99 against the same ratio of Fastify + pg under the same load (info, no target)", () => {
    const ratios = byId([withLatency('item', 8, 36), withLatency('pg-item', 7.5, 47), withLatency('pg-item-prepared', 5, 25)]);
    expect(ratios.get('item-tail')).toMatchObject({ status: 'missed', target: 1 / 3 });
    expect(ratios.get('item-tail')?.ratio).toBeCloseTo(8 / 36);
    expect(ratios.get('pg-item-tail')).toMatchObject({ status: 'info' });
    expect(ratios.get('pg-item-tail')?.ratio).toBeCloseTo(7.5 / 47);
    expect(ratios.get('pg-item-prepared-tail')?.ratio).toBeCloseTo(0.2);
    expect(ratios.get('item-tail-vs-floor')?.ratio).toBeCloseTo(8 / 36 / (7.5 / 47));
  });

  it('gives no tail over its floor without the peer', () => {
    expect(byId([withLatency('item', 8, 36)]).has('item-tail-vs-floor')).toBe(false);
  });
});

describe('benchmark comparisons: the probe of an app that has served nothing else', () => {
  it('sets it against the platform floor, and the app’s probe against it (the route mix)', () => {
    const ratios = byId([at('health', 600), at('health-fresh', 800), at('nest-platform-probe', 1000)]);
    expect(ratios.get('fresh-health-vs-platform-floor')).toMatchObject({ ratio: 0.8, status: 'info' });
    expect(ratios.get('health-vs-fresh')).toMatchObject({ ratio: 0.75, status: 'info' });
    expect(ratios.get('health-vs-platform-floor')?.ratio).toBeCloseTo(0.6);
  });
});
