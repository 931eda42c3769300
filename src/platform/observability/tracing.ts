import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type IdGenerator, TracerProvider } from '@opentelemetry/sdk-trace';
import { platformConfig, type PlatformConfig } from '../config';
import { BuildInfo } from './build-info';
import { newSpanId, newTraceId } from './random-ids';
import { traceContextOf } from './trace-context';

/**
 * Hands the SDK the ids Bastion already chose for a request (from `traceparent`, and the
 * span id its log lines carry), so the exported span and the logs name the same trace and
 * span. `startSpan` is synchronous: the preset is consumed by exactly the span it was set for.
 */
class PresetIds implements IdGenerator {
  traceId: string | undefined;
  spanId: string | undefined;

  generateTraceId(): string {
    const id = this.traceId ?? newTraceId();
    this.traceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.spanId ?? newSpanId();
    this.spanId = undefined;
    return id;
  }
}

/**
 * Optional OpenTelemetry export: with `OTEL_EXPORTER_OTLP_ENDPOINT` set, one server span per
 * HTTP request goes to `<endpoint>/v1/traces` (OTLP/HTTP, batched), continuing the caller's
 * W3C trace. Off (and free) by default.
 */
@Injectable()
export class Tracing implements OnApplicationShutdown {
  private readonly logger = new Logger('Tracing');
  private readonly provider: TracerProvider | undefined;
  private readonly tracer: Tracer | undefined;
  private readonly ids = new PresetIds();

  constructor(@Inject(platformConfig.KEY) config: PlatformConfig, build: BuildInfo) {
    const endpoint = config.observability.otlpEndpoint;
    if (!endpoint) return;
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({
        'service.name': 'bastion',
        'service.version': build.version,
        'deployment.environment.name': config.appEnv,
      }),
      idGenerator: this.ids,
      spanProcessors: [
        new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }) }),
      ],
    });
    this.tracer = this.provider.getTracer('bastion', build.version);
    this.logger.log(`Exporting traces to ${endpoint}`);
  }

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  /** Starts the request's server span (a no-op when export is off). */
  startRequest(request: IncomingMessage, method: string, route: string | undefined): Span | undefined {
    if (!this.tracer) return undefined;
    const context = traceContextOf(request);
    const parent = context.parentSpanId
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: context.traceId,
          spanId: context.parentSpanId,
          traceFlags: context.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
          isRemote: true,
        })
      : ROOT_CONTEXT;
    this.ids.traceId = context.traceId;
    this.ids.spanId = context.spanId;
    const span = this.tracer.startSpan(
      route ? `${method} ${route}` : method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, ...(route ? { 'http.route': route } : {}) },
      },
      parent,
    );
    this.ids.traceId = undefined;
    this.ids.spanId = undefined;
    return span;
  }

  endRequest(span: Span | undefined, status: number): void {
    if (!span) return;
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }

  /** Flushes what is still batched. */
  async onApplicationShutdown(): Promise<void> {
    await this.provider
      ?.shutdown()
      .catch((error: unknown) => this.logger.warn(`Trace export on shutdown failed: ${String(error)}`));
  }
}
