/** What only tests and scripts use from the notifications context: the provider adapters, for the contract tests. */
export { DeliveryError } from './domain/delivery-error';
export type { EmailMessage } from './domain/ports';
export type { SmtpSettings } from './notifications.config';
export { LogEmailSender, LogWhatsAppSender } from './infra/senders/log.senders';
export { SmtpEmailSender } from './infra/senders/smtp-email.sender';
export { HttpEmailSender } from './infra/senders/http-email.sender';
export { CloudApiWhatsAppSender } from './infra/senders/cloud-api-whatsapp.sender';
