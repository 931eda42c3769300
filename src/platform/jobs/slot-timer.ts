import { slotStart } from './slot';

/** The longest a slot timer sleeps before it looks at the system clock again. */
export const SLOT_TIMER_MAX_SLEEP_MS = 60_000;

/**
 * Calls `onSlot(slotStartMs)` once for each new slot of `periodMs` (UTC-aligned, by the system
 * clock) from the slot after the one under way when it starts. It sleeps until the next slot
 * begins, at most SLOT_TIMER_MAX_SLEEP_MS at a time, so a stepped clock is noticed within a
 * minute; a timer that wakes a little early finds the same slot and sleeps the rest. One timer
 * at a time, unref'd (it never keeps a process alive); `stop()` ends it. What `cron` ticking
 * every second did for the session cleanup, without waking up (and computing the next date)
 * every second.
 */
export class SlotTimer {
  private timer: NodeJS.Timeout | undefined;
  private lastSlot: number;
  private stopped = false;

  constructor(
    private readonly periodMs: number,
    private readonly onSlot: (slotStartMs: number) => void,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.lastSlot = slotStart(new Date(this.now()), periodMs).getTime();
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.now();
    const next = slotStart(new Date(now), this.periodMs).getTime() + this.periodMs;
    const sleep = Math.min(Math.max(next - now, 1), SLOT_TIMER_MAX_SLEEP_MS);
    this.timer = setTimeout(() => this.wake(), sleep);
    this.timer.unref();
  }

  private wake(): void {
    const slot = slotStart(new Date(this.now()), this.periodMs).getTime();
    try {
      if (slot > this.lastSlot) {
        this.lastSlot = slot;
        this.onSlot(slot);
      }
    } finally {
      this.arm();
    }
  }
}
