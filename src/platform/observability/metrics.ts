import { Inject, Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  Registry,
} from 'prom-client';
import { platformConfig, type PlatformConfig } from '../config';
import { BuildInfo } from './build-info';

/** The request duration histogram (also what the benchmark's platform floor observes). */
export const HTTP_DURATION = {
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route template and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
};

/**
 * The app's Prometheus registry and the platform's own metrics. One registry per app
 * (not prom-client's global one), so two apps in one process (the e2e harness, the
 * multi-instance tests) never share or clash. Contexts add theirs with `counter`/`gauge`.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({ ...HTTP_DURATION, registers: [this.registry] });

  /**
   * The duration histogram's counts under their own name, worked out when scraped: a request
   * is observed once (the histogram), not counted a second time on its way out.
   */
  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
    collect: countsOf(this.httpDuration),
  });

  readonly rateLimitDropped = new Counter({
    name: 'rate_limit_dropped_total',
    help: 'Requests refused with 429 (request tiers, login throttle, lockout), by route template.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly unhandledErrors = new Counter({
    name: 'unhandled_errors_total',
    help: 'Errors nothing handled: 500s from requests, unhandled rejections, uncaught exceptions.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly dependencyUnavailable = new Counter({
    name: 'dependency_unavailable_total',
    help: 'Requests answered 503 dependency_unavailable because the database or Redis was unreachable, slow or recovering.',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  constructor(@Inject(platformConfig.KEY) config: PlatformConfig, build: BuildInfo) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'build_info',
      help: 'Always 1; the labels say which build is running.',
      labelNames: ['version', 'git_sha', 'node_version', 'app_env'] as const,
      registers: [this.registry],
    }).set({ version: build.version, git_sha: build.gitSha, node_version: process.version, app_env: config.appEnv }, 1);
  }

  /** One finished request. `route` is the route template (never the raw path), `unmatched` for 404s. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
    if (status === 429) this.rateLimitDropped.inc({ route });
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge({ ...config, registers: [this.registry] });
  }
}

/** A counter's `collect`: it becomes the `_count` series of `histogram`, label set for label set. */
function countsOf<L extends string>(histogram: Histogram<L>): (this: Counter<L>) => Promise<void> {
  return async function (this: Counter<L>) {
    const { name, values } = await histogram.get();
    this.reset();
    for (const { metricName, labels, value } of values) if (metricName === `${name}_count`) this.inc(labels, value);
  };
}
