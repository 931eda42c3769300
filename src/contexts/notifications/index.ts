/** Public API of the notifications context. */
export { NotificationsModule } from './notifications.module';
export { NotificationsService, type SendNotification, type SendResult } from './notifications.service';
export {
  EMAIL_SENDER,
  WHATSAPP_SENDER,
  type EmailMessage,
  type EmailSender,
  type SendReceipt,
  type WhatsAppMessage,
  type WhatsAppSender,
} from './domain/ports';
export { DeliveryError } from './domain/delivery-error';
export { NotificationError } from './domain/notification.errors';
export { CHANNELS, type Channel, maskEmail, maskPhone } from './domain/recipient';
export { TEMPLATE_NAMES, type RenderedMessage, type TemplateDataMap, type TemplateName } from './domain/templates';
export type { NotificationStatus } from './domain/delivery';
export {
  notificationsConfig,
  parseNotificationsConfig,
  type CloudApiSettings,
  type HttpEmailSettings,
  type NotificationsConfig,
  type SmtpSettings,
} from './notifications.config';
/** The provider adapters (bound by configuration; exported for contract tests and reuse). */
export { LogEmailSender, LogWhatsAppSender } from './infra/senders/log.senders';
export { SmtpEmailSender } from './infra/senders/smtp-email.sender';
export { HttpEmailSender } from './infra/senders/http-email.sender';
export { CloudApiWhatsAppSender } from './infra/senders/cloud-api-whatsapp.sender';
