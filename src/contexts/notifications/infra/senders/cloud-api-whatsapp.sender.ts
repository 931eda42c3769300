import { DeliveryError } from '../../domain/delivery-error';
import type { SendReceipt, WhatsAppMessage, WhatsAppSender } from '../../domain/ports';
import type { CloudApiSettings } from '../../notifications.config';
import { classifyHttpStatus, describeErrorBody, type JsonResponse, postJson } from './http-json';

/** WhatsApp caps a text message body at 4096 characters. */
const MAX_TEXT = 4096;

/**
 * Graph error codes that are worth retrying whatever the HTTP status they come with:
 * throttling (4, 17, 32, 613, 80007, 130429 throughput, 131056 pair rate), temporary
 * outages (1, 2, 131000, 131016, 133004) and a refused token (190: fixed by configuration).
 */
const TRANSIENT_GRAPH_CODES = new Set([1, 2, 4, 17, 32, 190, 613, 80007, 130429, 131000, 131016, 131056, 133004]);

export function classifyGraphError(res: JsonResponse, now: Date): DeliveryError {
  const graphCode = (res.body as { error?: { code?: unknown } } | null)?.error?.code;
  if (typeof graphCode === 'number') {
    const code = `graph_${graphCode}`;
    const message = `HTTP ${res.status}, Graph error ${graphCode}: ${describeErrorBody(res.body)}`;
    if (TRANSIENT_GRAPH_CODES.has(graphCode) || res.status >= 500) return DeliveryError.transient(code, message);
    if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408)
      return DeliveryError.permanent(code, message);
  }
  return classifyHttpStatus(res, now);
}

/**
 * `WHATSAPP_PROVIDER=cloud-api`: Meta's WhatsApp Cloud API,
 * `POST {WHATSAPP_API_BASE}/{WHATSAPP_PHONE_NUMBER_ID}/messages` with the system-user token.
 * Sends a plain text message. Outside the 24-hour customer-service window WhatsApp accepts
 * only pre-approved template messages (error 131047, permanent here); see docs/notifications.md.
 */
export class CloudApiWhatsAppSender implements WhatsAppSender {
  readonly provider = 'cloud-api';

  constructor(
    private readonly settings: CloudApiSettings,
    private readonly timeoutMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(message: WhatsAppMessage): Promise<SendReceipt> {
    const text = message.text.length > MAX_TEXT ? `${message.text.slice(0, MAX_TEXT - 1)}…` : message.text;
    const res = await postJson(`${this.settings.apiBase}/${encodeURIComponent(this.settings.phoneNumberId)}/messages`, {
      token: this.settings.token,
      timeoutMs: this.timeoutMs,
      body: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: message.to.replace(/^\+/, ''),
        type: 'text',
        text: { preview_url: false, body: text },
        // Echoed back in status webhooks: ties delivery receipts to our row.
        biz_opaque_callback_data: message.notificationId,
      },
    });
    if (res.status < 200 || res.status >= 300) throw classifyGraphError(res, this.now());
    const id = (res.body as { messages?: { id?: unknown }[] } | null)?.messages?.[0]?.id;
    return { providerMessageId: typeof id === 'string' ? id : null };
  }
}
