import type { EmailMessage, EmailSender, SendReceipt } from '../../domain/ports';
import type { HttpEmailSettings } from '../../notifications.config';
import { classifyHttpStatus, postJson } from './http-json';

/**
 * `EMAIL_PROVIDER=http`: a transactional-mail HTTP API. One `POST EMAIL_HTTP_URL` per
 * message with `Authorization: Bearer EMAIL_HTTP_TOKEN` and the JSON body
 * `{from, to: [address], subject, text, html}` (the shape of Resend's `POST /emails`;
 * others take a thin relay). `Idempotency-Key` is the notification id, so a provider that
 * honours it drops the duplicate of a retried request it had already accepted.
 * Any 2xx is success; the message id is read from `id` (or `message_id`).
 */
export class HttpEmailSender implements EmailSender {
  readonly provider = 'http';

  constructor(
    private readonly settings: HttpEmailSettings,
    private readonly from: string,
    private readonly timeoutMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(message: EmailMessage): Promise<SendReceipt> {
    const res = await postJson(this.settings.url, {
      token: this.settings.token,
      timeoutMs: this.timeoutMs,
      headers: { 'idempotency-key': message.notificationId },
      body: { from: this.from, to: [message.to], subject: message.subject, text: message.text, html: message.html },
    });
    if (res.status < 200 || res.status >= 300) throw classifyHttpStatus(res, this.now());
    const body = (res.body ?? {}) as { id?: unknown; message_id?: unknown };
    const id = body.id ?? body.message_id;
    return { providerMessageId: typeof id === 'string' || typeof id === 'number' ? String(id) : null };
  }
}
