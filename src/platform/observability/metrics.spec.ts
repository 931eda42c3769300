import type { PlatformConfig } from '../config';
import type { BuildInfo } from './build-info';
import { Metrics } from './metrics';

const newMetrics = (): Metrics =>
  new Metrics({ appEnv: 'test' } as PlatformConfig, { version: '0.0.0', gitSha: 'test' } as BuildInfo);

/** The value of one series in an exposition, or undefined when it is absent. */
function series(exposition: string, line: string): number | undefined {
  const found = exposition.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('Metrics: HTTP requests', () => {
  it('counts each request once per method, route template and status, as the duration histogram’s count', async () => {
    const metrics = newMetrics();
    metrics.observeRequest('GET', '/api/v1/projects/:id', 200, 0.002);
    metrics.observeRequest('GET', '/api/v1/projects/:id', 200, 0.3);
    metrics.observeRequest('GET', '/api/v1/projects/:id', 304, 0.001);
    metrics.observeRequest('POST', '/api/v1/projects', 201, 0.02);

    const exposition = await metrics.registry.metrics();

    expect(exposition).toContain('# TYPE http_requests_total counter');
    const item = 'method="GET",route="/api/v1/projects/:id"';
    expect(series(exposition, `http_requests_total{${item},status="200"}`)).toBe(2);
    expect(series(exposition, `http_requests_total{${item},status="304"}`)).toBe(1);
    expect(series(exposition, 'http_requests_total{method="POST",route="/api/v1/projects",status="201"}')).toBe(1);
    expect(series(exposition, `http_request_duration_seconds_count{${item},status="200"}`)).toBe(2);
    expect(series(exposition, `http_request_duration_seconds_bucket{le="0.005",${item},status="200"}`)).toBe(1);
  });

  it('keeps counting across scrapes without counting a request twice', async () => {
    const metrics = newMetrics();
    const line = 'http_requests_total{method="GET",route="unmatched",status="404"}';
    metrics.observeRequest('GET', 'unmatched', 404, 0.001);
    expect(series(await metrics.registry.metrics(), line)).toBe(1);
    expect(series(await metrics.registry.metrics(), line)).toBe(1);
    metrics.observeRequest('GET', 'unmatched', 404, 0.001);
    metrics.observeRequest('GET', 'unmatched', 404, 0.001);
    expect(series(await metrics.registry.metrics(), line)).toBe(3);
  });

  it('counts 429s per route as dropped', async () => {
    const metrics = newMetrics();
    metrics.observeRequest('POST', '/api/v1/auth/token', 429, 0.001);
    const exposition = await metrics.registry.metrics();
    expect(series(exposition, 'rate_limit_dropped_total{route="/api/v1/auth/token"}')).toBe(1);
    expect(series(exposition, 'http_requests_total{method="POST",route="/api/v1/auth/token",status="429"}')).toBe(1);
  });
});
