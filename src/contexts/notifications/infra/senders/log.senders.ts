import { Logger } from '@nestjs/common';
import type { EmailMessage, EmailSender, SendReceipt, WhatsAppMessage, WhatsAppSender } from '../../domain/ports';
import { maskEmail, maskPhone } from '../../domain/recipient';

/**
 * The default email "provider": logs the rendered message (text part; the HTML is the same
 * content) with the recipient masked, and sends nothing. Needs no secret, so a fresh clone
 * runs as is.
 */
export class LogEmailSender implements EmailSender {
  readonly provider = 'log';
  private readonly logger = new Logger('Notifications');

  constructor(private readonly from: string) {}

  send(message: EmailMessage): Promise<SendReceipt> {
    this.logger.log(
      {
        event: 'notification_logged',
        channel: 'email',
        notification_id: message.notificationId,
        from: this.from,
        to: maskEmail(message.to),
        subject: message.subject,
        text: message.text,
        html_bytes: Buffer.byteLength(message.html),
      },
      `Email not sent (EMAIL_PROVIDER=log): "${message.subject}" to ${maskEmail(message.to)}`,
    );
    return Promise.resolve({ providerMessageId: null });
  }
}

/** The default WhatsApp "provider": logs the message with the number masked, sends nothing. */
export class LogWhatsAppSender implements WhatsAppSender {
  readonly provider = 'log';
  private readonly logger = new Logger('Notifications');

  send(message: WhatsAppMessage): Promise<SendReceipt> {
    this.logger.log(
      {
        event: 'notification_logged',
        channel: 'whatsapp',
        notification_id: message.notificationId,
        to: maskPhone(message.to),
        text: message.text,
      },
      `WhatsApp message not sent (WHATSAPP_PROVIDER=log) to ${maskPhone(message.to)}`,
    );
    return Promise.resolve({ providerMessageId: null });
  }
}
