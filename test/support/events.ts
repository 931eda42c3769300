import { EventEmitter2 } from '@nestjs/event-emitter';
import type { TestApp } from './app';

/** One domain event as the app published it. */
export interface CapturedEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** What `captureEvents` recorded, and how to read, forget and stop it. */
export interface EventCapture {
  /** Every event published since the capture began (or was last cleared), oldest first; one array throughout. */
  readonly events: CapturedEvent[];
  /** The payloads of the captured events called `name`, oldest first. */
  payloadsOf(name: string): Record<string, unknown>[];
  /** Forgets the events captured so far (the same `events` array, emptied). */
  clear(): void;
  /** Stops capturing; what was captured stays readable. */
  stop(): void;
}

/** Records every domain event the app publishes from now on (through `EventEmitter2.onAny`). */
export function captureEvents(t: TestApp): EventCapture {
  const emitter = t.app.get(EventEmitter2);
  const events: CapturedEvent[] = [];
  const listener = (name: string | string[], payload: Record<string, unknown>): void => {
    events.push({ name: String(name), payload });
  };
  emitter.onAny(listener);
  return {
    events,
    payloadsOf: (name) => events.filter((e) => e.name === name).map((e) => e.payload),
    clear: () => {
      events.length = 0;
    },
    stop: () => {
      emitter.offAny(listener);
    },
  };
}
