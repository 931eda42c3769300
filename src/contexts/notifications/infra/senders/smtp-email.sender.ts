import { createTransport } from 'nodemailer';
import type { NodemailerError } from 'nodemailer/lib/errors';
import type Mail from 'nodemailer/lib/mailer';
import { DeliveryError } from '../../domain/delivery-error';
import type { EmailMessage, EmailSender, SendReceipt } from '../../domain/ports';
import type { SmtpSettings } from '../../notifications.config';

/** Nodemailer codes for a message we built wrongly: sending it again cannot help. */
const OUR_FAULT = new Set(['EENVELOPE', 'EMESSAGE', 'EFILEACCESS', 'EURLACCESS', 'EMAXRECIPIENTS']);

/** The SMTP steps that are about this one message (its recipient, its content). */
const PER_MESSAGE_COMMANDS = new Set(['RCPT TO', 'DATA']);

/**
 * Sorts an SMTP failure. A 5xx reply to RCPT TO or DATA refuses this message for good
 * (RFC 5321; nodemailer marks it `permanent`). A 5xx anywhere else (EHLO, STARTTLS, AUTH,
 * MAIL FROM: a refused login, a sender the relay does not accept) is about our
 * configuration and the same for every message, so it is retried (and trips the breaker)
 * until it is fixed. Connection, TLS, DNS and timeout failures and 4xx replies are transient.
 */
export function classifySmtpError(error: unknown): DeliveryError {
  const e = error as NodemailerError;
  const message = e instanceof Error ? e.message : String(error);
  const code = e.responseCode ? `smtp_${e.responseCode}` : `smtp_${(e.code ?? 'error').toLowerCase()}`;
  if (e.permanent === true && e.command !== undefined && PER_MESSAGE_COMMANDS.has(e.command)) {
    return DeliveryError.permanent(code, message);
  }
  if (!e.responseCode && e.code && OUR_FAULT.has(e.code)) return DeliveryError.permanent(code, message);
  return DeliveryError.transient(code, message);
}

/** The domain of the From address, for our Message-IDs. */
function messageIdDomain(from: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(from);
  return match ? match[1].toLowerCase() : 'bastion.invalid';
}

/**
 * `EMAIL_PROVIDER=smtp`: one connection per message through nodemailer. TLS is required
 * unless `SMTP_SECURE=none`: STARTTLS mode refuses a server that does not offer it (nothing
 * goes out in clear), certificates are verified (extra CA from `SMTP_TLS_CA_FILE`).
 * The Message-ID is derived from the notification id, so a retry of a message the server
 * did get carries the same id and receiving systems can drop the duplicate.
 */
export class SmtpEmailSender implements EmailSender {
  readonly provider = 'smtp';
  private transport: Mail;
  private readonly domain: string;

  constructor(
    private readonly settings: SmtpSettings,
    private readonly from: string,
    private readonly timeoutMs: number,
  ) {
    this.domain = messageIdDomain(from);
    this.transport = this.createTransport(settings.user, settings.password);
  }

  /**
   * Rotated credentials (SMTP_USER/SMTP_PASSWORD re-read by the secrets refresher): the next
   * message logs in with them; a message being sent finishes on the transport it started with.
   */
  useCredentials(user: string | undefined, password: string | undefined): void {
    const previous = this.transport;
    this.transport = this.createTransport(user, password);
    previous.close();
  }

  private createTransport(user: string | undefined, password: string | undefined): Mail {
    const { settings, timeoutMs } = this;
    return createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.tls === 'tls',
      requireTLS: settings.tls === 'starttls',
      ignoreTLS: settings.tls === 'none',
      auth: user !== undefined ? { user, pass: password } : undefined,
      tls: { minVersion: 'TLSv1.2', ...(settings.caPem ? { ca: settings.caPem } : {}) },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
      // Message content never makes nodemailer read a file or fetch a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(message: EmailMessage): Promise<SendReceipt> {
    try {
      const info = (await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${message.notificationId}@${this.domain}>`,
        // RFC 3834: an automatic message; out-of-office replies should not answer it.
        headers: { 'Auto-Submitted': 'auto-generated' },
      })) as { messageId?: string };
      return { providerMessageId: info.messageId ?? null };
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  close(): void {
    this.transport.close();
  }
}
