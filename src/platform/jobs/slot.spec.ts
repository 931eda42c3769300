import { JOB_RUN_RETENTION_MS, slotStart } from './slot';

describe('slotStart', () => {
  const MINUTE = 60_000;
  const HOUR = 60 * MINUTE;

  it('floors a time to the start of its period', () => {
    expect(slotStart(new Date('2026-01-01T10:17:45.123Z'), HOUR).toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(slotStart(new Date('2026-01-01T10:17:45.123Z'), 5 * MINUTE).toISOString()).toBe('2026-01-01T10:15:00.000Z');
  });

  it('keeps a time that is already on a slot boundary', () => {
    const boundary = new Date('2026-01-01T10:00:00.000Z');
    expect(slotStart(boundary, HOUR).getTime()).toBe(boundary.getTime());
  });

  it('puts the last millisecond of a slot in that slot', () => {
    expect(slotStart(new Date('2026-01-01T10:59:59.999Z'), HOUR).toISOString()).toBe('2026-01-01T10:00:00.000Z');
  });

  it('gives the same slot for every time within a period and the next one after', () => {
    const start = Date.UTC(2026, 0, 1, 12);
    const slots = [0, 1, 29_999, 59_999].map((offset) => slotStart(new Date(start + offset), MINUTE).getTime());
    expect(new Set(slots)).toEqual(new Set([start]));
    expect(slotStart(new Date(start + MINUTE), MINUTE).getTime()).toBe(start + MINUTE);
  });

  it('returns a new Date, leaving the input alone', () => {
    const at = new Date('2026-01-01T10:17:45.123Z');
    const slot = slotStart(at, HOUR);
    expect(slot).not.toBe(at);
    expect(at.toISOString()).toBe('2026-01-01T10:17:45.123Z');
  });

  it.each([0, -1, -HOUR, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects a period of %p', (period) => {
    expect(() => slotStart(new Date(), period)).toThrow(RangeError);
  });
});

describe('JOB_RUN_RETENTION_MS', () => {
  it('is seven days', () => {
    expect(JOB_RUN_RETENTION_MS).toBe(7 * 24 * 3600 * 1000);
  });
});
