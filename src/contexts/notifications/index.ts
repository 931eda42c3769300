/** Public API of the notifications context (what other contexts and `app.module.ts` use; tests: `testing.ts`). */
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
export { maskEmail } from './domain/recipient';
export type { NotificationStatus } from './domain/delivery';
export { parseNotificationsConfig } from './notifications.config';
