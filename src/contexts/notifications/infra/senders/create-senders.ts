import type { Clock } from '../../../../platform/clock';
import type { EmailSender, WhatsAppSender } from '../../domain/ports';
import type { NotificationsConfig } from '../../notifications.config';
import { CloudApiWhatsAppSender } from './cloud-api-whatsapp.sender';
import { HttpEmailSender } from './http-email.sender';
import { LogEmailSender, LogWhatsAppSender } from './log.senders';
import { SmtpEmailSender } from './smtp-email.sender';

/** The `EmailSender` bound to `EmailSender` by `EMAIL_PROVIDER` (validated settings in hand). */
export function createEmailSender(config: NotificationsConfig, clock: Clock): EmailSender {
  const { email, delivery } = config;
  if (email.provider === 'smtp' && email.smtp) return new SmtpEmailSender(email.smtp, email.from, delivery.sendTimeoutMs);
  if (email.provider === 'http' && email.http) {
    return new HttpEmailSender(email.http, email.from, delivery.sendTimeoutMs, () => clock.now());
  }
  return new LogEmailSender(email.from);
}

/** The `WhatsAppSender` chosen by `WHATSAPP_PROVIDER`. */
export function createWhatsAppSender(config: NotificationsConfig, clock: Clock): WhatsAppSender {
  const { whatsapp, delivery } = config;
  if (whatsapp.provider === 'cloud-api' && whatsapp.cloudApi) {
    return new CloudApiWhatsAppSender(whatsapp.cloudApi, delivery.sendTimeoutMs, () => clock.now());
  }
  return new LogWhatsAppSender();
}
