import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import { JobRunner } from '../../platform/jobs';
import type { NotificationStatus } from './domain/delivery';
import { NotificationError } from './domain/notification.errors';
import { type Channel, isChannel, isValidRecipient } from './domain/recipient';
import { isTemplateName, renderTemplate, type TemplateDataMap, type TemplateName } from './domain/templates';
import { NotificationStore } from './infra/notification.store';
import { NotificationDispatcher } from './notification.dispatcher';
import { notificationsConfig, type NotificationsConfig } from './notifications.config';

export const DEDUPE_KEY_MAX = 200;
const DAY_MS = 86_400_000;

/** One message to send: `NotificationsService.send({channel, to, template, data})`. */
export interface SendNotification<T extends TemplateName = TemplateName> {
  channel: Channel;
  /** An email address for `email`, an E.164 number (`+4915112345678`) for `whatsapp`. */
  to: string;
  template: T;
  data: TemplateDataMap[T];
  /** The account the message concerns, if any: its notifications are deleted with it. */
  userId?: string | null;
  /**
   * Makes the send idempotent: a second send with the same key returns the first message
   * and enqueues nothing (e.g. `<event name>:<event identity>` for event-driven messages).
   */
  dedupeKey?: string;
}

export interface SendResult {
  id: string;
  status: NotificationStatus;
  /** True when `dedupeKey` matched an earlier message, which is what `id` names. */
  deduplicated: boolean;
}

/**
 * The notifications context's public API. `send` validates and renders the message, stores
 * it in the durable queue (it survives restarts) and starts a delivery run; delivery itself
 * (retries, backoff, the circuit breaker) happens in `NotificationDispatcher`.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly store: NotificationStore,
    private readonly dispatcher: NotificationDispatcher,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    @Inject(notificationsConfig.KEY) private readonly config: NotificationsConfig,
  ) {}

  /**
   * Queues a message. Refuses (400 `NotificationError`) an unknown channel or template, a
   * recipient the channel cannot address, or a dedupe key over 200 characters. Resolves once
   * the message is stored, not when it is delivered.
   */
  async send<T extends TemplateName>(request: SendNotification<T>): Promise<SendResult> {
    if (!isChannel(request.channel)) throw NotificationError.unknownChannel(request.channel);
    if (!isTemplateName(request.template)) throw NotificationError.unknownTemplate(request.template);
    if (typeof request.to !== 'string' || !isValidRecipient(request.channel, request.to)) {
      throw NotificationError.invalidRecipient(request.channel);
    }
    const dedupeKey = request.dedupeKey ?? null;
    if (dedupeKey !== null && (dedupeKey.length === 0 || dedupeKey.length > DEDUPE_KEY_MAX)) {
      throw NotificationError.invalidDedupeKey(DEDUPE_KEY_MAX);
    }
    // Render once now: a template that cannot render this data fails the caller, not the queue.
    renderTemplate(request.template, request.data);

    const stored = await this.store.enqueue({
      channel: request.channel,
      recipient: request.to,
      template: request.template,
      data: request.data as unknown as Record<string, unknown>,
      userId: request.userId ?? null,
      dedupeKey,
      maxAttempts: this.config.delivery.maxAttempts,
      now: this.clock.now(),
    });
    if (stored.created) this.dispatcher.kick();
    return { id: stored.id, status: stored.status, deduplicated: !stored.created };
  }

  /**
   * Delivers everything due now, after a delivery run in flight on this instance, and
   * resolves with the number of messages this run attempted. (Delivery also runs by itself:
   * after every `send`, every `NOTIFICATIONS_POLL_MS` and at startup.)
   */
  deliverDue(): Promise<number> {
    return this.dispatcher.drain();
  }

  /** Daily, once across instances: forgets sent and failed messages past their retention. */
  @Cron(CronExpression.EVERY_DAY_AT_4AM, { name: 'cleanup_notifications' })
  async cleanupScheduled(): Promise<void> {
    await this.jobs.runOnce('cleanup_notifications', DAY_MS, async (m) => {
      await this.deleteFinished(m, this.clock.now());
    });
  }

  /** Deletes sent/failed messages (and their attempts) older than `NOTIFICATIONS_RETENTION_DAYS`. */
  deleteFinished(m: EntityManager, now: Date): Promise<number> {
    return this.store.deleteFinishedBefore(m, new Date(now.getTime() - this.config.delivery.retentionDays * DAY_MS));
  }
}
