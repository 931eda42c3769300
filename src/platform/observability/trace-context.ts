import type { IncomingMessage } from 'node:http';
import { newSpanId, newTraceId } from './random-ids';

/** W3C Trace Context (https://www.w3.org/TR/trace-context/) of one request. */
export interface TraceContext {
  traceId: string;
  /** The caller's span (from `traceparent`), or null when this request starts the trace. */
  parentSpanId: string | null;
  /** This server's span for the request. */
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** Parses a `traceparent` header; null when absent or invalid (then a new trace starts). */
export function parseTraceparent(header: string | undefined): Omit<TraceContext, 'spanId'> | null {
  const match = TRACEPARENT.exec(header?.trim().toLowerCase() ?? '');
  if (!match) return null;
  const [, version, traceId, parentSpanId, flags] = match;
  if (version === 'ff' || /^0+$/.test(traceId) || /^0+$/.test(parentSpanId)) return null;
  // Version 00 has exactly four fields; later versions may append more.
  if (version === '00' && header!.trim().length !== 55) return null;
  return { traceId, parentSpanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(context: Pick<TraceContext, 'traceId' | 'spanId' | 'sampled'>): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

const TRACE = Symbol('bastion.trace');
type Traced = IncomingMessage & { [TRACE]?: TraceContext };

/** The request's trace context, decided once (from its `traceparent`, else a new trace). */
export function traceContextOf(request: IncomingMessage): TraceContext {
  const traced = request as Traced;
  if (!traced[TRACE]) {
    const header = request.headers.traceparent;
    const parent = parseTraceparent(Array.isArray(header) ? header[0] : header);
    traced[TRACE] = {
      traceId: parent?.traceId ?? newTraceId(),
      parentSpanId: parent?.parentSpanId ?? null,
      spanId: newSpanId(),
      sampled: parent?.sampled ?? true,
    };
  }
  return traced[TRACE];
}
