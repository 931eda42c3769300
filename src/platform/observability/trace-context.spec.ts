import type { IncomingMessage } from 'node:http';
import { formatTraceparent, parseTraceparent, traceContextOf } from './trace-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('W3C trace context', () => {
  it('parses a valid traceparent', () => {
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-01`)).toEqual({ traceId: TRACE_ID, parentSpanId: SPAN_ID, sampled: true });
    expect(parseTraceparent(`00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-00`)).toEqual({
      traceId: TRACE_ID,
      parentSpanId: SPAN_ID,
      sampled: false,
    });
  });

  it('accepts extra fields from a future version only', () => {
    expect(parseTraceparent(`01-${TRACE_ID}-${SPAN_ID}-01-extra`)).not.toBeNull();
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-01-extra`)).toBeNull();
  });

  it.each([
    undefined,
    '',
    'garbage',
    `ff-${TRACE_ID}-${SPAN_ID}-01`,
    `00-${'0'.repeat(32)}-${SPAN_ID}-01`,
    `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
    `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`,
    `00-${TRACE_ID}-${SPAN_ID}-1`,
  ])('rejects %p', (header) => {
    expect(parseTraceparent(header)).toBeNull();
  });

  it('continues the caller trace with a new span, once per request', () => {
    const request = { headers: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` } } as unknown as IncomingMessage;
    const context = traceContextOf(request);
    expect(context).toMatchObject({ traceId: TRACE_ID, parentSpanId: SPAN_ID, sampled: true });
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.spanId).not.toBe(SPAN_ID);
    expect(traceContextOf(request)).toBe(context);
    expect(formatTraceparent(context)).toBe(`00-${TRACE_ID}-${context.spanId}-01`);
  });

  it('starts a new trace without a valid traceparent', () => {
    const context = traceContextOf({ headers: {} } as unknown as IncomingMessage);
    expect(context.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(context.parentSpanId).toBeNull();
  });
});
