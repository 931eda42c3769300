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

describe('benchmark comparisons: floors', () => {
  it("adds to the app's request only the machine time the peer spends on the feature", () => {
    // The peer: 1,000 req/s without the counters, 800 with them: 0.25 ms per request more.
    // The app without: 2,000 req/s (0.5 ms); its floor with the counters: 0.75 ms, a ratio of 2/3.
    const ratios = byId([
      at('item-unthrottled', 2000),
      at('item-redis', 1200),
      at('pg-item-off', 1000),
      at('pg-item-redis', 800),
    ]);
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
    const skipped = byId([
      at('item-unthrottled', 2000),
      at('item-redis', 1200),
      at('pg-item-off', 1000),
      at('pg-item-redis', 0, 'no Redis'),
    ]);
    expect(skipped.has('throttler-redis-floor')).toBe(false);
    const noise = byId([
      at('item-unthrottled', 2000),
      at('item-redis', 1900),
      at('pg-item-off', 1000),
      at('pg-item-redis', 1100),
    ]);
    expect(noise.get('throttler-redis-floor')?.ratio).toBe(1);
  });
});
