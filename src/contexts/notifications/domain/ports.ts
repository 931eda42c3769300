/**
 * The notifications context's ports to the outside world. Adapters live in `infra/senders`;
 * which one is bound is decided by configuration (`EMAIL_PROVIDER`, `WHATSAPP_PROVIDER`).
 * An adapter either resolves (the provider accepted the message) or throws a
 * `DeliveryError` saying whether trying again can help.
 */

export interface EmailMessage {
  /** The one recipient, a plain address. */
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * Stable per notification: the SMTP `Message-ID` local part and the HTTP
   * `Idempotency-Key`, so a retried message can be recognised as the same one.
   */
  notificationId: string;
}

export interface WhatsAppMessage {
  /** E.164, e.g. `+4915112345678`. */
  to: string;
  /** The message body (plain text). */
  text: string;
  notificationId: string;
}

/** What a provider said when it accepted a message. */
export interface SendReceipt {
  /** The provider's id for the message (SMTP queue id / Message-ID, API message id), when it gives one. */
  providerMessageId: string | null;
}

export interface EmailSender {
  /** `log`, `smtp` or `http`: for logs and metrics. */
  readonly provider: string;
  send(message: EmailMessage): Promise<SendReceipt>;
  /** Releases connections; called once on shutdown. */
  close?(): Promise<void> | void;
}

export interface WhatsAppSender {
  /** `log` or `cloud-api`. */
  readonly provider: string;
  send(message: WhatsAppMessage): Promise<SendReceipt>;
  close?(): Promise<void> | void;
}

/** Injection tokens of the two ports. */
export const EMAIL_SENDER = Symbol('EmailSender');
export const WHATSAPP_SENDER = Symbol('WhatsAppSender');
