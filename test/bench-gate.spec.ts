import {
  checkAgainstBaseline,
  earlierValues,
  groupsOf,
  isBaseline,
  MAX_BAND,
  MIN_BAND,
  recordBaseline,
} from '../scripts/bench/baseline/gate';
import type { Comparison, Report, ScenarioResult } from '../scripts/bench/baseline/report';

const scenario = (id: string, group: string): ScenarioResult => ({
  id,
  group,
  title: id,
  server: 'app',
  connections: 10,
  expected: ['200'],
  unexpected: {},
});

function report(ratios: Record<string, number>, smoke = false): Report {
  const comparisons: Comparison[] = Object.entries(ratios).map(([id, ratio]) => ({
    id,
    title: id,
    scenario: id === 'item-vs-pg' ? 'item' : 'health',
    peer: id === 'item-vs-pg' ? 'pg-item' : 'fastify-hello',
    ratio,
    status: 'info',
  }));
  return {
    generated_at: '2026-12-04T00:00:00Z',
    smoke,
    git_sha: 'abc1234',
    machine: { cpu: 'cpu', cores: 2, memory_gib: 24, os: 'Linux', node: 'v24', load_average_start: [], load_average_end: [] },
    settings: {},
    scenarios: [
      scenario('health', 'hello'),
      scenario('fastify-hello', 'hello'),
      scenario('item', 'reads'),
      scenario('pg-item', 'reads'),
    ],
    comparisons,
    problems: [],
    duration_seconds: 1,
  };
}

describe('benchmark regression gate', () => {
  it('records the median of the runs and a band no narrower than the minimum', () => {
    const baseline = recordBaseline([
      report({ 'health-vs-fastify': 0.5, 'item-vs-pg': 0.6 }),
      report({ 'health-vs-fastify': 0.52, 'item-vs-pg': 0.45 }),
      report({ 'health-vs-fastify': 0.54, 'item-vs-pg': 0.6 }),
    ]);
    expect(baseline.runs).toBe(3);
    expect(baseline.ratios['health-vs-fastify']).toMatchObject({ median: 0.52, min: 0.5, max: 0.54, band: MIN_BAND });
    expect(baseline.ratios['health-vs-fastify'].floor).toBeCloseTo(0.52 * (1 - MIN_BAND), 3);
    // 0.45 is a quarter below the median 0.6: the band widens to twice that spread.
    expect(baseline.ratios['item-vs-pg'].band).toBeCloseTo((2 * 0.15) / 0.6, 3);
    expect(baseline.ratios['item-vs-pg'].floor).toBeCloseTo(0.6 * (1 - (2 * 0.15) / 0.6), 3);
  });

  it('records a ratio too noisy to hold a floor above zero, and does not gate it', () => {
    // 0.2 and 0.36 around a median of 0.22: a band of 2 × 0.64, so a floor below zero.
    const runs = [0.2, 0.22, 0.36].map((r) => report({ 'health-vs-fastify': 0.5, 'item-vs-pg': r }));
    const baseline = recordBaseline(runs);
    expect(baseline.ratios['item-vs-pg'].band).toBeGreaterThan(MAX_BAND);
    expect(baseline.ratios['item-vs-pg'].floor).toBeNull();
    const verdicts = checkAgainstBaseline(report({ 'health-vs-fastify': 0.5, 'item-vs-pg': 0.01 }), baseline);
    expect(verdicts.map((v) => v.id)).toEqual(['health-vs-fastify']);
  });

  it('refuses to record from one run or from a smoke pass', () => {
    expect(() => recordBaseline([report({ a: 1 })])).toThrow(/at least two/);
    expect(() => recordBaseline([report({ a: 1 }), report({ a: 1 }, true)])).toThrow(/smoke/);
  });

  it('fails a ratio only below its floor, and names the groups to measure again', () => {
    const baseline = recordBaseline([
      report({ 'health-vs-fastify': 0.5, 'item-vs-pg': 0.6 }),
      report({ 'health-vs-fastify': 0.5, 'item-vs-pg': 0.6 }),
    ]);
    const run = report({ 'health-vs-fastify': 0.44, 'item-vs-pg': 0.5, unknown: 0.1 });
    const verdicts = checkAgainstBaseline(run, baseline);
    expect(verdicts.map((v) => [v.id, v.ok])).toEqual([
      ['health-vs-fastify', true], // 0.44 ≥ 0.5 × 0.85
      ['item-vs-pg', false], // 0.5 < 0.6 × 0.85
    ]);
    expect(
      groupsOf(
        run,
        verdicts.filter((v) => !v.ok),
      ),
    ).toEqual(['reads']);
    expect(() => checkAgainstBaseline(report({}, true), baseline)).toThrow(/smoke/);
  });

  describe('recording on top of an earlier baseline (the runs of other days)', () => {
    const yesterday = recordBaseline([0.55, 0.59, 0.6].map((r) => report({ 'health-vs-nest': r, 'item-vs-pg': 0.7 })));

    it("keeps every run's value, and pools the earlier runs with the new ones", () => {
      expect(yesterday.ratios['health-vs-nest'].values).toEqual([0.55, 0.59, 0.6]);
      const today = [0.48, 0.42, 0.53].map((r) => report({ 'health-vs-nest': r, 'item-vs-pg': 0.7, 'login-floor': 0.75 }));
      const pooled = recordBaseline(today, [yesterday]);
      expect(pooled.runs).toBe(6);
      // Six runs: median (0.53 + 0.55) / 2 = 0.54; the farthest, 0.42, is 0.222 below it: band 0.444.
      expect(pooled.ratios['health-vs-nest']).toMatchObject({ median: 0.54, min: 0.42, max: 0.6, band: 0.444 });
      expect(pooled.ratios['health-vs-nest'].values).toEqual([0.55, 0.59, 0.6, 0.48, 0.42, 0.53]);
      // A day on which the app ran as it did on the first: within the pooled band, not a regression.
      expect(checkAgainstBaseline(report({ 'health-vs-nest': 0.42 }), pooled)[0].ok).toBe(true);
      // A ratio only the new runs measure is recorded from them alone.
      expect(pooled.ratios['login-floor'].values).toEqual([0.75, 0.75, 0.75]);
    });

    it('records the ratios a change moved on purpose (`fresh`) from the new runs alone', () => {
      const today = [0.3, 0.31, 0.32].map((r) => report({ 'health-vs-nest': r, 'item-vs-pg': 0.7 }));
      const pooled = recordBaseline(today, [yesterday], { fresh: ['health-vs-nest'] });
      expect(pooled.ratios['health-vs-nest']).toMatchObject({ median: 0.31, values: [0.3, 0.31, 0.32], band: MIN_BAND });
      expect(pooled.ratios['item-vs-pg'].values).toHaveLength(6);
    });

    it('drops the ratios the new runs no longer measure, and takes one new run on top of an earlier baseline', () => {
      const pooled = recordBaseline([report({ 'item-vs-pg': 0.7 })], [yesterday]);
      expect(pooled.runs).toBe(4);
      expect(Object.keys(pooled.ratios)).toEqual(['item-vs-pg']);
      expect(pooled.ratios['item-vs-pg'].values).toHaveLength(4);
    });

    it('reads a file from before values were kept: three runs are their minimum, median and maximum; other counts are refused', () => {
      const { values: _values, ...old } = yesterday.ratios['health-vs-nest'];
      const legacy = { ...yesterday, ratios: { 'health-vs-nest': old } };
      expect(earlierValues(legacy, 'health-vs-nest')).toEqual([0.55, 0.59, 0.6]);
      expect(earlierValues(legacy, 'unknown')).toEqual([]);
      expect(() => earlierValues({ ...legacy, runs: 4 }, 'health-vs-nest')).toThrow(/no values/);
      expect(isBaseline(legacy)).toBe(true);
      expect(isBaseline(report({}))).toBe(false);
    });
  });
});
