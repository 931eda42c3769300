import { SLOT_TIMER_MAX_SLEEP_MS, SlotTimer } from './slot-timer';

describe('SlotTimer', () => {
  const MINUTE = 60_000;
  const HOUR = 60 * MINUTE;
  let timer: SlotTimer | undefined;

  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T10:17:45.000Z') }));
  afterEach(() => {
    timer?.stop();
    jest.useRealTimers();
  });

  it('leaves the slot under way at start alone and fires at the start of the next one, once', () => {
    const slots: string[] = [];
    timer = new SlotTimer(HOUR, (slot) => slots.push(new Date(slot).toISOString()));
    jest.advanceTimersByTime(42 * MINUTE + 14_999);
    expect(slots).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(slots).toEqual(['2026-01-01T11:00:00.000Z']);
    jest.advanceTimersByTime(HOUR - 1);
    expect(slots).toEqual(['2026-01-01T11:00:00.000Z']);
    jest.advanceTimersByTime(1);
    expect(slots).toEqual(['2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z']);
  });

  it('sleeps at most a minute at a time, so a clock stepped forward starts its slot within a minute', () => {
    const slots: number[] = [];
    timer = new SlotTimer(HOUR, (slot) => slots.push(slot));
    expect(jest.getTimerCount()).toBe(1);
    jest.setSystemTime(new Date('2026-01-01T11:30:00.000Z')); // the clock jumps past 11:00
    jest.advanceTimersByTime(SLOT_TIMER_MAX_SLEEP_MS);
    expect(slots.map((s) => new Date(s).toISOString())).toEqual(['2026-01-01T11:00:00.000Z']);
  });

  it('never fires a slot twice when the clock steps back, and fires the next new one', () => {
    const slots: number[] = [];
    timer = new SlotTimer(MINUTE, (slot) => slots.push(slot));
    jest.advanceTimersByTime(15_000); // 10:18:00
    expect(slots).toHaveLength(1);
    jest.setSystemTime(new Date('2026-01-01T10:18:30.000Z').getTime() - MINUTE); // back to 10:17:30
    jest.advanceTimersByTime(MINUTE); // 10:18:30 again: the 10:18 slot was started already
    expect(slots).toHaveLength(1);
    jest.advanceTimersByTime(30_000); // 10:19:00
    expect(slots.map((s) => new Date(s).toISOString())).toEqual(['2026-01-01T10:18:00.000Z', '2026-01-01T10:19:00.000Z']);
  });

  it('keeps its schedule when a slot callback throws', () => {
    const slots: number[] = [];
    timer = new SlotTimer(MINUTE, (slot) => {
      slots.push(slot);
      if (slots.length === 1) throw new Error('boom');
    });
    expect(() => jest.advanceTimersByTime(15_000)).toThrow('boom');
    jest.advanceTimersByTime(MINUTE);
    expect(slots).toHaveLength(2);
  });

  it('fires nothing after stop and leaves no timer behind', () => {
    const onSlot = jest.fn();
    timer = new SlotTimer(MINUTE, onSlot);
    timer.stop();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10 * MINUTE);
    expect(onSlot).not.toHaveBeenCalled();
  });

  it('wakes no more than once a minute between hourly slots (not every second)', () => {
    timer = new SlotTimer(HOUR, () => undefined);
    const arms = jest.spyOn(global, 'setTimeout');
    jest.advanceTimersByTime(HOUR);
    const wakes = arms.mock.calls.length;
    arms.mockRestore();
    expect(wakes).toBeLessThanOrEqual(61);
    expect(wakes).toBeGreaterThan(0);
  });
});
