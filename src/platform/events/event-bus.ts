import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { afterCommit, currentTransaction } from '../database/transaction-context';
import type { DomainEventMap, DomainEventName } from './event-map';

/** An event as delivered to subscribers: the payload plus when and where it happened. */
export type DomainEvent<K extends DomainEventName> = DomainEventMap[K] & { occurred_at: string };

/** Facts published inside `EventBus.batch`, waiting for its end. */
type Batch = { name: DomainEventName; event: DomainEvent<DomainEventName> }[];

/** Typed publish side of the internal bus. */
@Injectable()
export class EventBus {
  private readonly batches = new AsyncLocalStorage<Batch>();

  constructor(private readonly emitter: EventEmitter2) {}

  /**
   * Publishes a fact and waits for every async subscriber. A failing subscriber never
   * fails the publisher (subscribers own their error handling and metrics). Inside `batch`
   * (and outside a transaction) the fact waits for the batch's end instead.
   */
  async publish<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): Promise<void> {
    const event: DomainEvent<K> = { ...payload, occurred_at: new Date().toISOString() };
    const batch = this.batches.getStore();
    if (batch && !currentTransaction()) {
      batch.push({ name, event });
      return;
    }
    await this.emitter.emitAsync(name, event);
  }

  /**
   * Runs `fn`, holding back the facts it publishes outside a transaction, then publishes them
   * together, in order, and resolves (or rejects with `fn`'s error) once every subscriber has
   * handled them: so the audit appends a sign-in's facts in one pass, not one pass each. The
   * facts are published whether `fn` succeeds or fails (what happened before the failure did
   * happen). A fact published inside a transaction goes out as always (its audit outbox row
   * must commit with the change). A `batch` inside another one joins it.
   *
   * For a flow that publishes several facts and reads nothing its subscribers write.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    if (this.batches.getStore()) return fn();
    const batch: Batch = [];
    try {
      return await this.batches.run(batch, fn);
    } finally {
      await Promise.all(batch.map(({ name, event }) => this.emitter.emitAsync(name, event)));
    }
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
