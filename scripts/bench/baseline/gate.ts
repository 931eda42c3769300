/**
 * The benchmark as a regression gate: `npm run bench -- --check` compares a run's ratios with
 * the committed `bench/baseline.json`, and `npm run bench -- record <report.json>...` writes that
 * file from several full runs (their median per ratio, and the noise band their spread shows).
 *
 * A ratio fails the gate only when it falls below `median × (1 − band)`. The band is what the
 * recorded runs themselves moved — the largest relative distance of a run from the median,
 * times a safety factor — and never less than `MIN_BAND`, so a slower or busier machine moves
 * both sides of a ratio and does not trip it; a change that costs a path a fifth of its rate does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Comparison, Report } from './report';
import { GROUPS, type GroupId } from './settings';

/** No band is narrower than this, whatever a few recorded runs showed (2 shared cores: ±10 % is ordinary). */
export const MIN_BAND = 0.15;
/** The recorded runs' own spread is widened by this much: three runs understate the tails. */
export const SPREAD_FACTOR = 2;
/**
 * A ratio whose band would be wider than this is recorded but not gated: its floor would sit so
 * far below the median (or below zero) that the check could not fail, which is no check at all.
 * Such a ratio needs quieter runs, or longer slices, before it can guard anything.
 */
export const MAX_BAND = 0.6;

export interface BaselineRatio {
  title: string;
  median: number;
  min: number;
  max: number;
  /** Relative band below the median a run may fall before the gate fails. */
  band: number;
  /** median × (1 − band); null when the band is wider than `MAX_BAND` (recorded, not gated). */
  floor: number | null;
  /** Every recorded run's value (older files lack it: see `earlierValues`). */
  values?: number[];
}

export interface Baseline {
  recorded_at: string;
  git_sha: string;
  machine: string;
  runs: number;
  method: string;
  ratios: Record<string, BaselineRatio>;
}

export interface GateVerdict {
  id: string;
  title: string;
  ratio: number;
  floor: number;
  median: number;
  ok: boolean;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const measured = (c: Comparison): c is Comparison & { ratio: number } =>
  c.status !== 'skipped' && typeof c.ratio === 'number' && Number.isFinite(c.ratio);

/**
 * The baseline of several full runs: per ratio, the median, the extremes and the band their spread gives.
 * `earlier` baselines add their runs (the same machine on other days: a band that has seen only one
 * afternoon flakes on the next), for the ratios the new runs still measure, except the `fresh` ones:
 * ratios a change moved on purpose, whose earlier runs measured what no longer runs.
 */
export function recordBaseline(
  reports: Report[],
  earlier: Baseline[] = [],
  { fresh = [], recordedAt = new Date().toISOString() }: { fresh?: string[]; recordedAt?: string } = {},
): Baseline {
  const runs = reports.length + earlier.reduce((n, b) => n + b.runs, 0);
  if (reports.length === 0 || runs < 2) throw new Error('record needs at least two full runs to measure their spread');
  const smoke = reports.find((r) => r.smoke);
  if (smoke) throw new Error(`a smoke run (${smoke.generated_at}) has no meaningful figures`);
  const values = new Map<string, { title: string; values: number[] }>();
  for (const report of reports) {
    for (const c of report.comparisons.filter(measured)) {
      const entry = values.get(c.id) ?? { title: c.title, values: [] };
      entry.values.push(c.ratio);
      values.set(c.id, entry);
    }
  }
  const ratios: Record<string, BaselineRatio> = {};
  const renewed = new Set(fresh);
  for (const [id, { title, values: newValues }] of values) {
    if (newValues.length < reports.length) continue; // a ratio not every new run measured has no spread to speak of
    const v = [...(renewed.has(id) ? [] : earlier.flatMap((b) => earlierValues(b, id))), ...newValues];
    if (v.length < 2) continue;
    const m = median(v);
    const spread = Math.max(...v.map((x) => Math.abs(x - m) / m));
    const band = round(Math.max(MIN_BAND, spread * SPREAD_FACTOR));
    ratios[id] = {
      title,
      median: round(m),
      min: round(Math.min(...v)),
      max: round(Math.max(...v)),
      band,
      floor: band > MAX_BAND ? null : round(m * (1 - band)),
      values: v.map(round),
    };
  }
  const first = reports[0];
  return {
    recorded_at: recordedAt,
    git_sha: [...earlier.map((b) => b.git_sha), ...reports.map((r) => r.git_sha)]
      .flatMap((s) => s.split(','))
      .filter((s, i, all) => all.indexOf(s) === i)
      .join(','),
    machine: `${first.machine.cores} × ${first.machine.cpu}, Node ${first.machine.node}`,
    runs,
    method:
      `median of the ${runs} full \`npm run bench\` runs recorded per ratio (\`values\`); band = max(${MIN_BAND}, ` +
      `${SPREAD_FACTOR} × the largest relative distance of a run from the median); floor = median × (1 − band); a ratio ` +
      `with a band over ${MAX_BAND} is not gated (floor null)`,
    ratios,
  };
}

/**
 * The runs an earlier baseline recorded for ratio `id`: its `values`; in a file from before they were
 * kept, the minimum, median and maximum of three runs are those three runs. Anything else cannot be
 * merged exactly, and is refused rather than guessed.
 */
export function earlierValues(baseline: Baseline, id: string): number[] {
  const ratio = baseline.ratios[id];
  if (!ratio) return [];
  if (ratio.values) return ratio.values;
  if (baseline.runs === 3) return [ratio.min, ratio.median, ratio.max];
  throw new Error(
    `the baseline of ${baseline.recorded_at} keeps no values of its ${baseline.runs} runs: record from their reports`,
  );
}

/** Whether a JSON file given to `record` is an earlier baseline (else a run's report). */
export function isBaseline(json: unknown): json is Baseline {
  return typeof json === 'object' && json !== null && 'ratios' in json && 'runs' in json;
}

/** Each ratio of `report` that the baseline knows, against its floor. */
export function checkAgainstBaseline(report: Report, baseline: Baseline): GateVerdict[] {
  if (report.smoke) throw new Error('--check needs a full run: a smoke pass has no meaningful figures');
  return report.comparisons.filter(measured).flatMap((c) => {
    const base = baseline.ratios[c.id];
    if (!base || base.floor === null) return [];
    return [{ id: c.id, title: c.title, ratio: c.ratio, floor: base.floor, median: base.median, ok: c.ratio >= base.floor }];
  });
}

export function formatVerdicts(verdicts: GateVerdict[]): string {
  const lines = ['| ratio | this run | baseline median | floor | |', '|---|--:|--:|--:|---|'];
  for (const v of verdicts)
    lines.push(
      `| ${v.title} | ${v.ratio.toFixed(2)} | ${v.median.toFixed(2)} | ${v.floor.toFixed(2)} | ${v.ok ? 'ok' : '**regressed**'} |`,
    );
  return lines.join('\n');
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** Where the committed baseline lives: `bench/baseline.json` (the rest of bench/ is output, ignored by git). */
export function baselinePath(outDir: string): string {
  return join(outDir, 'baseline.json');
}

export function readBaseline(outDir: string): Baseline {
  const file = baselinePath(outDir);
  if (!existsSync(file)) throw new Error(`--check needs ${file}: record one with \`npm run bench -- record <report.json>...\``);
  return JSON.parse(readFileSync(file, 'utf8')) as Baseline;
}

/** The groups (in run order) the given verdicts' scenarios belong to. */
export function groupsOf(report: Report, verdicts: GateVerdict[]): GroupId[] {
  const scenarioIds = new Set(
    verdicts.flatMap((v) => {
      const c = report.comparisons.find((x) => x.id === v.id);
      return c ? [c.scenario, c.peer] : [];
    }),
  );
  const groups = new Set(report.scenarios.filter((s) => scenarioIds.has(s.id)).map((s) => s.group));
  return GROUPS.filter((g) => groups.has(g));
}
