import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { afterCommit } from '../database/transaction-context';
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

/**
 * Typed subscribe side: `@OnDomainEvent('auth.login_failed') handle(e: DomainEvent<'auth.login_failed'>)`.
 *
 * A fact published inside `runInTransaction` is not a fact until the transaction commits: the
 * handler then runs after the commit (and not at all after a rollback), still before the
 * publisher's `runInTransaction` resolves, and its errors stay its own. (The audit outbox is
 * the one subscriber that writes inside the transaction; it registers itself, not through this.)
 */
export function OnDomainEvent(name: DomainEventName): MethodDecorator {
  const subscribe = OnEvent(name, { async: true, promisify: true, suppressErrors: true });
  return (target, key, descriptor) => {
    const handler = descriptor.value as unknown as (...args: unknown[]) => unknown;
    const deferred = function (this: unknown, ...args: unknown[]): unknown {
      const run = async (): Promise<void> => {
        try {
          await handler.apply(this, args);
        } catch {
          // As for any subscriber (`suppressErrors`): its errors are its own to log.
        }
      };
      return afterCommit(run) ? undefined : handler.apply(this, args);
    };
    (descriptor as PropertyDescriptor).value = deferred;
    return subscribe(target, key, descriptor);
  };
}
