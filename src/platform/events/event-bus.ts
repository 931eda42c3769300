import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import type { DomainEventMap, DomainEventName } from './event-map';

/** An event as delivered to subscribers: the payload plus when and where it happened. */
export type DomainEvent<K extends DomainEventName> = DomainEventMap[K] & { occurred_at: string };

/** Typed publish side of the internal bus. */
@Injectable()
export class EventBus {
  constructor(private readonly emitter: EventEmitter2) {}

  /**
   * Publishes a fact and waits for every async subscriber. A failing subscriber never
   * fails the publisher (subscribers own their error handling and metrics).
   */
  async publish<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): Promise<void> {
    const event: DomainEvent<K> = { ...payload, occurred_at: new Date().toISOString() };
    await this.emitter.emitAsync(name, event);
  }
}

/** Typed subscribe side: `@OnDomainEvent('auth.login_failed') handle(e: DomainEvent<'auth.login_failed'>)`. */
export function OnDomainEvent(name: DomainEventName): MethodDecorator {
  return OnEvent(name, { async: true, promisify: true, suppressErrors: true });
}
