import { DomainError } from '../../../platform/http/problem';
import { CHANNELS } from './recipient';
import { TEMPLATE_NAMES } from './templates';

/** What `NotificationsService.send` refuses, each with a stable code (400: the caller's request is wrong). */
export class NotificationError extends DomainError {
  static unknownChannel(channel: unknown): NotificationError {
    return new NotificationError('unknown_channel', 400, `Unknown notification channel "${String(channel)}".`, {
      errors: [{ field: 'channel', code: 'unknown_channel', message: `Use one of: ${CHANNELS.join(', ')}.` }],
    });
  }

  static unknownTemplate(template: unknown): NotificationError {
    return new NotificationError('unknown_template', 400, `Unknown notification template "${String(template)}".`, {
      errors: [{ field: 'template', code: 'unknown_template', message: `Use one of: ${TEMPLATE_NAMES.join(', ')}.` }],
    });
  }

  static invalidRecipient(channel: string): NotificationError {
    const expected = channel === 'whatsapp' ? 'an E.164 phone number such as +4915112345678' : 'a plain email address';
    return new NotificationError('invalid_recipient', 400, `The recipient is not ${expected}.`, {
      errors: [{ field: 'to', code: 'invalid_recipient', message: `Expected ${expected}.` }],
    });
  }

  static invalidDedupeKey(max: number): NotificationError {
    return new NotificationError('invalid_dedupe_key', 400, `The dedupe key must be 1 to ${max} characters.`, {
      errors: [{ field: 'dedupe_key', code: 'invalid_dedupe_key', message: `Use 1 to ${max} characters.` }],
    });
  }
}
