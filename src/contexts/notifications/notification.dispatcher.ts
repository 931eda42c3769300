import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../../platform/clock';
import { EventBus } from '../../platform/events';
import { JobRunner } from '../../platform/jobs';
import { asDeliveryError, type DeliveryError } from './domain/delivery-error';
import { attemptAllowed, decideAfterAttempt } from './domain/delivery';
import { EMAIL_SENDER, type EmailSender, type SendReceipt, WHATSAPP_SENDER, type WhatsAppSender } from './domain/ports';
import { CHANNELS, maskRecipient, redactRecipient } from './domain/recipient';
import {
  isTemplateName,
  renderTemplate,
  type RenderedMessage,
  type TemplateDataMap,
  type TemplateName,
} from './domain/templates';
import { type AttemptRecord, type ClaimedNotification, type Completion, NotificationStore } from './infra/notification.store';
import { NotificationsMetrics } from './infra/notifications.metrics';
import { isBreakerRejection, ProviderBreakers } from './infra/provider-breakers';
import { notificationsConfig, type NotificationsConfig } from './notifications.config';

/** Rounds of claims one drain makes at most before it yields to the next tick or poll. */
const MAX_ROUNDS = 50;
/** Attempts at writing an attempt's outcome before giving up (the lease then decides). */
const COMPLETE_TRIES = 3;
const POLL_INTERVAL_NAME = 'notifications_poll';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delivers what is due. Each instance runs one drain at a time (further requests coalesce
 * into the next run): it claims due messages per channel under a lease (exclusively, across
 * instances), sends them through the channel's circuit breaker, and records each attempt
 * together with the message's next state. A drain starts on every enqueue (`kick`), every
 * `NOTIFICATIONS_POLL_MS`, and once at startup (messages that survived a restart).
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  private chain: Promise<unknown> = Promise.resolve();
  private queued: Promise<number> | null = null;
  private stopped = false;
  private pollFailing = false;

  constructor(
    private readonly store: NotificationStore,
    private readonly breakers: ProviderBreakers,
    private readonly metrics: NotificationsMetrics,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    private readonly scheduler: SchedulerRegistry,
    @Inject(EMAIL_SENDER) private readonly emailSender: EmailSender,
    @Inject(WHATSAPP_SENDER) private readonly whatsAppSender: WhatsAppSender,
    @Inject(notificationsConfig.KEY) private readonly config: NotificationsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { email, whatsapp, delivery } = this.config;
    const smtp = email.smtp ? ` (${email.smtp.host}:${email.smtp.port}, TLS ${email.smtp.tls})` : '';
    const http = email.http ? ` (${new URL(email.http.url).host})` : '';
    this.logger.log(
      {
        event: 'notifications_configured',
        email_provider: email.provider,
        whatsapp_provider: whatsapp.provider,
        poll_ms: delivery.pollMs,
        max_attempts: delivery.maxAttempts,
      },
      `Notifications: email via ${email.provider}${smtp}${http}, WhatsApp via ${whatsapp.provider}`,
    );
    for (const warning of this.config.warnings) this.logger.warn({ event: 'notifications_config_warning' }, warning);
    const poll = setInterval(() => this.kick(), delivery.pollMs);
    poll.unref();
    this.scheduler.addInterval(POLL_INTERVAL_NAME, poll);
    this.kick();
  }

  /** Stops polling, lets the drain in flight finish (its claims complete), then closes the providers. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', POLL_INTERVAL_NAME)) this.scheduler.deleteInterval(POLL_INTERVAL_NAME);
    await this.chain;
    this.breakers.shutdown();
    await this.emailSender.close?.();
    await this.whatsAppSender.close?.();
  }

  /** Starts a drain in the background (a no-op while one is already waiting to start). */
  kick(): void {
    this.drain().then(
      () => {
        if (this.pollFailing) this.logger.log({ event: 'notifications_delivery_recovered' }, 'Notification delivery runs again');
        this.pollFailing = false;
      },
      (error: unknown) => {
        if (!this.pollFailing)
          this.logger.error({ err: error, event: 'notifications_delivery_failing' }, 'Notification delivery run failed');
        this.pollFailing = true;
      },
    );
  }

  /**
   * Delivers everything due now, after the run in flight (if any) ends; resolves with the
   * number of messages this run attempted. Tests await it instead of sleeping.
   */
  drain(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    if (this.queued) return this.queued;
    const run = this.chain.then(() => {
      this.queued = null;
      return this.stopped ? 0 : this.deliverDue();
    });
    this.queued = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async deliverDue(): Promise<number> {
    let total = 0;
    for (let round = 0; round < MAX_ROUNDS && !this.stopped; round++) {
      const work: Promise<void>[] = [];
      for (const channel of CHANNELS) {
        const state = this.breakers.state(channel);
        if (state === 'open') continue;
        // Half-open: exactly one trial message; the rest wait for its verdict.
        const limit = state === 'half_open' ? 1 : this.config.delivery.batchSize;
        const claimed = await this.store.claim(
          channel,
          this.clock.now(),
          this.config.delivery.leaseMs,
          limit,
          this.jobs.instanceId,
        );
        work.push(...claimed.map((c) => this.deliverOne(c)));
      }
      if (work.length === 0) break;
      await Promise.all(work);
      total += work.length;
    }
    return total;
  }

  private async deliverOne(c: ClaimedNotification): Promise<void> {
    const masked = maskRecipient(c.channel, c.recipient);
    const context = { notification_id: c.id, channel: c.channel, template: c.template, to: masked, attempt: c.attempt };
    try {
      if (c.abandonedBy) {
        await this.store.recordAbandoned(c.id, c.attempt - 1, c.abandonedBy);
        this.metrics.attempt(c.channel, 'abandoned');
        this.logger.warn(
          { ...context, event: 'notification_attempt_abandoned', previous_holder: c.abandonedBy },
          `Notification ${c.id}: the lease of attempt ${c.attempt - 1} expired (instance ${c.abandonedBy} stopped?); taking it over`,
        );
      }
      if (!attemptAllowed(c.attempt, c.maxAttempts)) {
        // No attempt runs: the one the claim counted is given back, the abandoned one was the last.
        const error = 'Every attempt was used up (the last one was abandoned).';
        await this.finish(
          { ...c, attempt: c.attempt - 1 },
          null,
          { status: 'failed', error, at: this.clock.now() },
          'max_attempts',
          'lease_expired',
        );
        return;
      }
      await this.attempt(c, context);
    } catch (error) {
      // The outcome could not be recorded: the claim stays until its lease expires, then the
      // message is tried again (and may be sent twice if this attempt had reached the provider).
      this.logger.error(
        { ...context, err: error, event: 'notification_outcome_unrecorded' },
        `Notification ${c.id}: outcome not recorded`,
      );
    }
  }

  private async attempt(c: ClaimedNotification, context: Record<string, unknown>): Promise<void> {
    let rendered: RenderedMessage;
    try {
      if (!isTemplateName(c.template)) throw new Error(`unknown template "${c.template}"`);
      rendered = renderTemplate(c.template, c.data as unknown as TemplateDataMap[TemplateName]);
    } catch (error) {
      const at = this.clock.now();
      const message = `Cannot render: ${(error as Error).message}`;
      await this.finish(
        c,
        this.attemptRecord(c, 'failed', false, 'render_failed', message, null, at, 0),
        { status: 'failed', error: message, at },
        'permanent_error',
        'render_failed',
      );
      return;
    }

    const startedAt = this.clock.now();
    const t0 = performance.now();
    let receipt: SendReceipt | null = null;
    let failure: DeliveryError | null = null;
    try {
      receipt =
        c.channel === 'email'
          ? await this.breakers.sendEmail({
              to: c.recipient,
              subject: rendered.subject,
              text: rendered.text,
              html: rendered.html,
              notificationId: c.id,
            })
          : await this.breakers.sendWhatsApp({
              to: c.recipient,
              text: `${rendered.subject}\n\n${rendered.text}`,
              notificationId: c.id,
            });
    } catch (error) {
      if (isBreakerRejection(error)) {
        // The breaker opened while this message was being claimed: nothing was sent.
        await this.store.release(c, this.clock.now(), this.clock.now());
        return;
      }
      failure = asDeliveryError(error);
    }
    const durationMs = Math.round(performance.now() - t0);
    const at = this.clock.now();
    const decision = decideAfterAttempt({
      attempt: c.attempt,
      maxAttempts: c.maxAttempts,
      outcome: failure ? { ok: false, retryable: failure.retryable, retryAfterMs: failure.retryAfterMs } : { ok: true },
      now: at,
      backoff: this.config.delivery.backoff,
    });

    if (!failure) {
      const providerMessageId = receipt?.providerMessageId ?? null;
      const owned = await this.finish(
        c,
        this.attemptRecord(c, 'sent', null, null, null, providerMessageId, startedAt, durationMs),
        { status: 'sent', providerMessageId, at },
        null,
        null,
      );
      if (owned) {
        this.logger.log(
          { ...context, event: 'notification_sent', duration_ms: durationMs, provider_message_id: providerMessageId },
          `Notification ${c.id} (${c.template}) sent to ${String(context.to)} on attempt ${c.attempt}`,
        );
      }
      return;
    }

    const error = redactRecipient(failure.message, c.channel, c.recipient);
    const record = this.attemptRecord(c, 'failed', failure.retryable, failure.code, error, null, startedAt, durationMs);
    if (decision.status === 'pending') {
      await this.finish(c, record, { status: 'pending', nextAttemptAt: decision.nextAttemptAt, error, at }, null, null);
      this.logger.warn(
        { ...context, event: 'notification_attempt_failed', error_code: failure.code, error, retry_in_ms: decision.delayMs },
        `Notification ${c.id}: attempt ${c.attempt}/${c.maxAttempts} failed (${failure.code}); retrying in ${decision.delayMs} ms`,
      );
      return;
    }
    const reason = decision.status === 'failed' ? decision.reason : 'permanent_error';
    await this.finish(c, record, { status: 'failed', error, at }, reason, failure.code);
  }

  private attemptRecord(
    c: ClaimedNotification,
    status: AttemptRecord['status'],
    retryable: boolean | null,
    errorCode: string | null,
    error: string | null,
    providerMessageId: string | null,
    startedAt: Date | null,
    durationMs: number | null,
  ): AttemptRecord {
    return {
      attempt: c.attempt,
      status,
      retryable,
      errorCode,
      error,
      providerMessageId,
      instanceId: this.jobs.instanceId,
      startedAt,
      durationMs,
    };
  }

  /** A failed write is tried again briefly (a connection reset, a failover) before the lease is left to decide. */
  private async completeWithRetries(
    c: ClaimedNotification,
    attempt: AttemptRecord | null,
    next: Completion,
  ): Promise<{ owned: boolean }> {
    for (let i = 1; ; i++) {
      try {
        return await this.store.complete(c, attempt, next);
      } catch (error) {
        if (i >= COMPLETE_TRIES || this.stopped) throw error;
        await sleep(100 * 2 ** i);
      }
    }
  }

  /**
   * Records the attempt (if any) and the message's next state in one transaction, retrying
   * the write briefly; then counts and announces a final outcome. Returns whether this
   * claim still owned the message.
   */
  private async finish(
    c: ClaimedNotification,
    attempt: AttemptRecord | null,
    next: Completion,
    failureReason: 'permanent_error' | 'max_attempts' | null,
    errorCode: string | null,
  ): Promise<boolean> {
    const { owned } = await this.completeWithRetries(c, attempt, next);
    if (attempt) this.metrics.attempt(c.channel, attempt.status);
    if (!owned) {
      this.logger.warn(
        { notification_id: c.id, channel: c.channel, attempt: c.attempt, event: 'notification_claim_lost' },
        `Notification ${c.id}: the lease expired during attempt ${c.attempt} and another instance took the message over; it may be sent twice`,
      );
      return false;
    }
    if (next.status === 'sent') {
      this.metrics.delivered(c.channel, c.template);
      await this.events.publish('notifications.sent', {
        notification_id: c.id,
        channel: c.channel,
        template: c.template,
        user_id: c.userId,
        attempts: c.attempt,
      });
    } else if (next.status === 'failed' && failureReason) {
      this.metrics.gaveUp(c.channel, c.template, failureReason);
      this.logger.error(
        {
          notification_id: c.id,
          channel: c.channel,
          template: c.template,
          to: maskRecipient(c.channel, c.recipient),
          attempts: c.attempt,
          reason: failureReason,
          error_code: errorCode,
          error: next.error,
          event: 'notification_failed',
        },
        `Notification ${c.id} (${c.template}) failed for good after ${c.attempt} attempt(s): ${failureReason}`,
      );
      await this.events.publish('notifications.failed', {
        notification_id: c.id,
        channel: c.channel,
        template: c.template,
        user_id: c.userId,
        attempts: c.attempt,
        reason: failureReason,
        error_code: errorCode,
      });
    }
    return true;
  }
}
