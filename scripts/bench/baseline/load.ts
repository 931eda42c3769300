/**
 * Load generation (autocannon, programmatic) and the statistics of the baseline. Latencies are
 * collected per response (every status, so a 304 path has latencies too), which lets samples
 * of interleaved slices be merged exactly instead of averaging percentiles.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { nearestRank } from '../sampling';
import { addCpu, type CpuSplit } from './cpu';

export interface Load {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Replace `[<id>]` in the request (headers included) by a new unique id per request. */
  idReplacement?: boolean;
  connections: number;
}

/** What one or more slices of load saw. */
export interface Sample {
  latencies: number[];
  statuses: Record<string, number>;
  /** Connection errors other than timeouts. */
  errors: number;
  timeouts: number;
  elapsedMs: number;
  /** CPU time spent over the sample (run-groups.ts measures it around each slice), where /proc tells. */
  cpuMs?: CpuSplit;
}

export interface Summary {
  requests: number;
  rps: number;
  latencyMs: { p50: number; p97_5: number; p99: number };
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  /** CPU milliseconds per response of the server, PostgreSQL and the load generators, where /proc tells. */
  cpuMsPerResponse?: CpuSplit;
}

export const emptySample = (): Sample => ({ latencies: [], statuses: {}, errors: 0, timeouts: 0, elapsedMs: 0 });

export function mergeInto(into: Sample, sample: Sample): void {
  // CPU time only when every merged slice has it: a partial sum would read as a cheaper response.
  const first = into.elapsedMs === 0 && into.latencies.length === 0;
  const cpuMs = first ? sample.cpuMs : into.cpuMs && sample.cpuMs ? addCpu(into.cpuMs, sample.cpuMs) : undefined;
  for (const latency of sample.latencies) into.latencies.push(latency);
  for (const [code, count] of Object.entries(sample.statuses)) into.statuses[code] = (into.statuses[code] ?? 0) + count;
  into.errors += sample.errors;
  into.timeouts += sample.timeouts;
  into.elapsedMs += sample.elapsedMs;
  if (cpuMs) into.cpuMs = cpuMs;
  else delete into.cpuMs;
}

/** Runs `load` for `seconds` and returns every response's status and latency. */
export function fire(load: Load, seconds: number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const start = performance.now();
    const instance = autocannon(
      {
        url: load.url,
        method: load.method ?? 'GET',
        headers: load.headers ?? {},
        body: load.body,
        idReplacement: load.idReplacement ?? false,
        connections: load.connections,
        pipelining: 1,
        duration: seconds,
        timeout: 10,
      },
      (error: unknown, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(`autocannon failed: ${JSON.stringify(error)}`));
          return;
        }
        resolve({
          latencies,
          statuses,
          errors: result.errors - result.timeouts,
          timeouts: result.timeouts,
          elapsedMs: performance.now() - start,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
}

export function summarize(sample: Sample): Summary {
  const sorted = Float64Array.from(sample.latencies).sort();
  const values = Array.from(sorted);
  const requests = values.length;
  return {
    requests,
    rps: sample.elapsedMs > 0 ? requests / (sample.elapsedMs / 1000) : 0,
    latencyMs: { p50: nearestRank(values, 0.5), p97_5: nearestRank(values, 0.975), p99: nearestRank(values, 0.99) },
    errors: sample.errors,
    timeouts: sample.timeouts,
    statuses: sample.statuses,
    ...(sample.cpuMs && requests > 0
      ? {
          cpuMsPerResponse: {
            server: sample.cpuMs.server / requests,
            postgres: sample.cpuMs.postgres / requests,
            generators: sample.cpuMs.generators / requests,
          },
        }
      : {}),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
