import isEmail from 'validator/lib/isEmail';

export const CHANNELS = ['email', 'whatsapp'] as const;
export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

/** Longest address a recipient column holds (RFC 5321 path limit, with room to spare). */
export const RECIPIENT_MAX = 320;

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Whether `to` is a deliverable address for the channel: a plain email address (no display
 * name, a real TLD) or an E.164 phone number (`+4915112345678`, no spaces).
 */
export function isValidRecipient(channel: Channel, to: string): boolean {
  if (to.length === 0 || to.length > RECIPIENT_MAX || to !== to.trim()) return false;
  if (channel === 'whatsapp') return E164.test(to);
  return isEmail(to, { allow_display_name: false, require_tld: true, allow_ip_domain: false, allow_utf8_local_part: false });
}

/** `jane.doe@example.com` → `j***@example.com`; anything that is not an address → `***`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return '***';
  return `${at > 1 ? address[0] : ''}***${address.slice(at)}`;
}

/**
 * `+4915112345689` → `+49*********89`: the country-code end and the last two digits stay,
 * every other digit becomes `*` (so the length is still visible, the number is not).
 */
export function maskPhone(number: string): string {
  const digits = number.replace(/^\+/, '');
  if (!/^\d+$/.test(digits) || digits.length < 6) return '***';
  return `+${digits.slice(0, 2)}${'*'.repeat(digits.length - 4)}${digits.slice(-2)}`;
}

/** The recipient as it may appear in logs and error texts. */
export function maskRecipient(channel: Channel, to: string): string {
  return channel === 'whatsapp' ? maskPhone(to) : maskEmail(to);
}

/** Replaces every occurrence of the recipient in a provider's error text with its mask. */
export function redactRecipient(text: string, channel: Channel, to: string): string {
  if (to.length === 0) return text;
  const masked = maskRecipient(channel, to);
  let out = text.split(to).join(masked);
  // Providers often echo a number without its plus (WhatsApp's `wa_id`).
  if (channel === 'whatsapp') out = out.split(to.replace(/^\+/, '')).join(masked);
  return out;
}
