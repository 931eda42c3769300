import type { IncomingMessage } from 'node:http';
import type { PlatformConfig } from '../config';
import type { BuildInfo } from './build-info';
import { traceContextOf } from './trace-context';
import { Tracing } from './tracing';

const build = { version: '1.2.3', gitSha: 'abc', builtAt: null } as BuildInfo;
const config = (otlpEndpoint?: string) =>
  ({ appEnv: 'test', observability: { otlpEndpoint, metricsHost: '127.0.0.1' } }) as PlatformConfig;
const request = (traceparent?: string) => ({ headers: traceparent ? { traceparent } : {} }) as unknown as IncomingMessage;

describe('Tracing', () => {
  it('is off without an endpoint: no spans, nothing to flush', async () => {
    const tracing = new Tracing(config(), build);
    expect(tracing.enabled).toBe(false);
    expect(tracing.startRequest(request(), 'GET', '/x')).toBeUndefined();
    await expect(tracing.onApplicationShutdown()).resolves.toBeUndefined();
  });

  it('gives the span the trace and span ids the request logs carry, under the caller span', async () => {
    const tracing = new Tracing(config('http://127.0.0.1:9'), build);
    const req = request('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const span = tracing.startRequest(req, 'GET', '/api/v1/projects/:id')!;
    const logged = traceContextOf(req);
    expect(span.spanContext()).toMatchObject({ traceId: logged.traceId, spanId: logged.spanId });
    expect((span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    span.end();
    await tracing.onApplicationShutdown(); // flushes (to a closed port: a logged warning, nothing thrown)
  });

  it('starts a new trace with the logged ids when the caller sent none, and each span gets its own id', async () => {
    const tracing = new Tracing(config('http://127.0.0.1:9'), build);
    const a = request();
    const b = request();
    const spanA = tracing.startRequest(a, 'POST', '/api/v1/files')!;
    const spanB = tracing.startRequest(b, 'POST', '/api/v1/files')!;
    expect(spanA.spanContext().traceId).toBe(traceContextOf(a).traceId);
    expect(spanB.spanContext().spanId).toBe(traceContextOf(b).spanId);
    expect(spanA.spanContext().spanId).not.toBe(spanB.spanContext().spanId);
    spanA.end();
    spanB.end();
    await tracing.onApplicationShutdown();
  });
});
