import { Inject, Injectable, Logger } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { Metrics } from '../../../platform/observability';
import { DeliveryError } from '../domain/delivery-error';
import {
  EMAIL_SENDER,
  type EmailMessage,
  type EmailSender,
  type SendReceipt,
  WHATSAPP_SENDER,
  type WhatsAppMessage,
  type WhatsAppSender,
} from '../domain/ports';
import type { Channel } from '../domain/recipient';
import { notificationsConfig, type NotificationsConfig } from '../notifications.config';

export type BreakerState = 'closed' | 'half_open' | 'open';

/** The values of `notification_provider_circuit_state`. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Thrown when an open breaker refused the call: nothing was sent, no attempt is counted. */
export function isBreakerRejection(error: unknown): boolean {
  return error instanceof Error && CircuitBreaker.isOurError(error) && (error as { code?: string }).code === 'EOPENBREAKER';
}

/**
 * One circuit breaker (opossum) per channel in front of its provider. It opens when, within
 * the rolling window, at least `volumeThreshold` calls were made and more than
 * `errorThresholdPercent` of them failed transiently; open, it refuses calls at once (the
 * dispatcher then leaves that channel's messages queued instead of spending attempts);
 * after `resetMs` it lets one trial call through (half-open) and closes on its success.
 * Permanent failures (the provider answered, about this one message) do not count.
 *
 * State is per instance: each instance protects its own connections to the provider.
 */
@Injectable()
export class ProviderBreakers {
  private readonly logger = new Logger('Notifications');
  private readonly email: CircuitBreaker<[EmailMessage], SendReceipt>;
  private readonly whatsapp: CircuitBreaker<[WhatsAppMessage], SendReceipt>;

  constructor(
    @Inject(EMAIL_SENDER) emailSender: EmailSender,
    @Inject(WHATSAPP_SENDER) whatsAppSender: WhatsAppSender,
    @Inject(notificationsConfig.KEY) config: NotificationsConfig,
    metrics: Metrics,
  ) {
    const gauge = metrics.gauge({
      name: 'notification_provider_circuit_state',
      help: "State of each channel's provider circuit breaker on this instance: 0 closed, 1 half-open, 2 open.",
      labelNames: ['channel'],
    });
    const options: CircuitBreaker.Options = {
      // Adapters enforce their own timeouts (and can cancel); a breaker timeout could not.
      timeout: false,
      resetTimeout: config.breaker.resetMs,
      errorThresholdPercentage: config.breaker.errorThresholdPercent,
      volumeThreshold: config.breaker.volumeThreshold,
      rollingCountTimeout: config.breaker.windowMs,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // A permanent failure is the provider working as it should: not a breaker failure.
      errorFilter: (error: unknown) => error instanceof DeliveryError && !error.retryable,
    };
    this.email = new CircuitBreaker((m: EmailMessage) => emailSender.send(m), { ...options, name: 'email' });
    this.whatsapp = new CircuitBreaker((m: WhatsAppMessage) => whatsAppSender.send(m), { ...options, name: 'whatsapp' });

    for (const [channel, breaker] of [
      ['email', this.email],
      ['whatsapp', this.whatsapp],
    ] as const) {
      gauge.set({ channel }, BREAKER_STATE_VALUE.closed);
      breaker.on('open', () => {
        gauge.set({ channel }, BREAKER_STATE_VALUE.open);
        this.logger.warn(
          { event: 'notification_circuit_open', channel, reset_ms: config.breaker.resetMs },
          `The ${channel} provider keeps failing: circuit open, deliveries paused for ${config.breaker.resetMs} ms`,
        );
      });
      breaker.on('halfOpen', () => {
        gauge.set({ channel }, BREAKER_STATE_VALUE.half_open);
        this.logger.log(
          { event: 'notification_circuit_half_open', channel },
          `The ${channel} circuit is half-open: one trial delivery`,
        );
      });
      breaker.on('close', () => {
        gauge.set({ channel }, BREAKER_STATE_VALUE.closed);
        this.logger.log(
          { event: 'notification_circuit_closed', channel },
          `The ${channel} provider answers again: circuit closed`,
        );
      });
    }
  }

  state(channel: Channel): BreakerState {
    const breaker = channel === 'email' ? this.email : this.whatsapp;
    if (breaker.opened) return 'open';
    if (breaker.halfOpen) return 'half_open';
    return 'closed';
  }

  sendEmail(message: EmailMessage): Promise<SendReceipt> {
    return this.email.fire(message);
  }

  sendWhatsApp(message: WhatsAppMessage): Promise<SendReceipt> {
    return this.whatsapp.fire(message);
  }

  /** Stops the breakers' window timers. */
  shutdown(): void {
    this.email.shutdown();
    this.whatsapp.shutdown();
  }
}
