import { randomFillSync } from 'node:crypto';
import { newSpanId, newTraceId, RandomIds } from './random-ids';

describe('RandomIds', () => {
  it('gives W3C-shaped trace and span ids, all different', () => {
    const traces = Array.from({ length: 2000 }, newTraceId);
    const spans = Array.from({ length: 2000 }, newSpanId);
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(traces).size).toBe(traces.length);
    expect(new Set(spans).size).toBe(spans.length);
  });

  it('fills its pool once per pool size and uses every byte once, across refills', () => {
    const fills: Buffer[] = [];
    let counter = 0;
    const ids = new RandomIds(64, (buffer) => {
      for (let i = 0; i < buffer.length; i++) buffer[i] = (counter++ % 255) + 1; // a counting "generator"
      fills.push(Buffer.from(buffer));
    });
    const drawn = Array.from({ length: 12 }, () => ids.hex(16)); // 192 bytes: three pools of 64
    expect(fills).toHaveLength(3);
    expect(drawn.join('')).toBe(Buffer.concat(fills).toString('hex'));
  });

  it('refills rather than splitting an id across two pools', () => {
    let fills = 0;
    const ids = new RandomIds(24, (buffer) => {
      fills++;
      randomFillSync(buffer);
    });
    ids.hex(16);
    ids.hex(16); // 8 bytes left in the first pool: a new one
    expect(fills).toBe(2);
  });

  it('never returns an all-zero id (W3C Trace Context rejects it): draws again', () => {
    let call = 0;
    const ids = new RandomIds(16, (buffer) => {
      buffer.fill(call++ === 0 ? 0 : 0xab);
    });
    expect(ids.hex(8)).toBe('abababababababab');
    expect(call).toBe(2);
  });

  it('refuses a size it cannot draw', () => {
    const ids = new RandomIds(16);
    expect(() => ids.hex(0)).toThrow(RangeError);
    expect(() => ids.hex(17)).toThrow(RangeError);
    expect(() => ids.hex(1.5)).toThrow(RangeError);
  });
});
