/**
 * The latency-sampling loop every benchmark shares: `op` run back to back by concurrent
 * workers until a deadline, every call's latency kept; the warm-up before it; and the
 * statistics the benchmarks report from those latencies (percentiles, operations per second).
 */
import { performance } from 'node:perf_hooks';

/** An operation under measurement; `worker` is its loop's index, `n` that loop's call count. */
export type Operation = (worker: number, n: number) => Promise<void>;

/** Every call's latency (ms), and the wall time (ms) from the start until the last worker stopped. */
export interface Latencies {
  latencies: number[];
  elapsedMs: number;
}

/** What the scenario benchmarks print for one operation. */
export interface Timing {
  ops: number;
  perSecond: number;
  p50: number;
  p95: number;
}

/** Runs `op` back to back from `workers` concurrent loops for `ms` milliseconds. */
export async function sample(ms: number, workers: number, op: Operation): Promise<Latencies> {
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const t0 = performance.now();
        await op(worker, n);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - start };
}

/** Warm-up: `op` run `times` times, one after the other, nothing measured. */
export async function warmUp(times: number, op: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < times; i++) await op(i);
}

/** The value at index ⌊p·n⌋ of ascending `sorted` (the scenario benchmarks' percentile); 0 when empty. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** The median of unsorted `values`, as `percentile` takes it (the upper one of an even count); 0 when empty. */
export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** The nearest-rank percentile (the ⌈p·n⌉-th smallest) of ascending `sorted` (the baseline's); 0 when empty. */
export function nearestRank(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Count, rate over `seconds`, p50 and p95 of `latencies`. */
export function timingOf(latencies: number[], seconds: number): Timing {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { ops: sorted.length, perSecond: sorted.length / seconds, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
}

/**
 * `sample` for `seconds`, summarized. The rate is over the nominal `seconds`, or with
 * `rateOver: 'elapsed'` over the wall time the workers took (their last calls end past the deadline).
 */
export async function timed(
  seconds: number,
  workers: number,
  op: Operation,
  rateOver: 'nominal' | 'elapsed' = 'nominal',
): Promise<Timing> {
  const { latencies, elapsedMs } = await sample(seconds * 1000, workers, op);
  return timingOf(latencies, rateOver === 'nominal' ? seconds : elapsedMs / 1000);
}
