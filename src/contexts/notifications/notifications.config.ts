import { readFileSync } from 'node:fs';
import { registerAs } from '@nestjs/config';
import addressparser from 'nodemailer/lib/addressparser';
import { EnvReader, isLoopback, type RawEnv } from '../../platform/config';
import type { BackoffPolicy } from './domain/backoff';

export const EMAIL_PROVIDERS = ['log', 'smtp', 'http'] as const;
export type EmailProvider = (typeof EMAIL_PROVIDERS)[number];
export const WHATSAPP_PROVIDERS = ['log', 'cloud-api'] as const;
export type WhatsAppProvider = (typeof WHATSAPP_PROVIDERS)[number];
export const SMTP_TLS_MODES = ['starttls', 'tls', 'none'] as const;
export type SmtpTlsMode = (typeof SMTP_TLS_MODES)[number];

export interface SmtpSettings {
  host: string;
  port: number;
  /**
   * `starttls` (default): plain connect, then STARTTLS is required (no message is ever sent
   * in clear); `tls`: TLS from the first byte (port 465); `none`: no TLS at all (a relay on
   * loopback or a private network only).
   */
  tls: SmtpTlsMode;
  user?: string;
  password?: string;
  /** Extra CA certificate(s) to trust (PEM), read from SMTP_TLS_CA_FILE: a relay with a private CA. */
  caPem?: string;
}

/** A JSON-over-HTTPS transactional mail API (`POST <url>` with a bearer token; shaped like Resend's `/emails`). */
export interface HttpEmailSettings {
  url: string;
  token: string;
}

/** Meta's WhatsApp Cloud API (`POST <apiBase>/<phoneNumberId>/messages`). */
export interface CloudApiSettings {
  apiBase: string;
  phoneNumberId: string;
  token: string;
}

export interface DeliverySettings {
  /** Attempts per message before it is `failed` (NOTIFICATIONS_MAX_ATTEMPTS). */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** How often each instance looks for due messages (NOTIFICATIONS_POLL_MS); enqueueing also starts a run at once. */
  pollMs: number;
  /** Messages claimed per channel and round (NOTIFICATIONS_BATCH_SIZE), sent concurrently. */
  batchSize: number;
  /** Per provider call (NOTIFICATIONS_SEND_TIMEOUT_MS): connect, each SMTP step, a whole HTTP request. */
  sendTimeoutMs: number;
  /** How long a claim holds a message (NOTIFICATIONS_LEASE_MS); after it, another instance may take it over. */
  leaseMs: number;
  /** Sent and failed messages (with their attempts) are deleted after this many days (NOTIFICATIONS_RETENTION_DAYS). */
  retentionDays: number;
}

export interface BreakerSettings {
  /** Open when more than this share of calls in the window failed (NOTIFICATIONS_BREAKER_ERROR_PERCENT). */
  errorThresholdPercent: number;
  /** ...and at least this many calls were made in the window (NOTIFICATIONS_BREAKER_VOLUME). */
  volumeThreshold: number;
  /** The rolling window (NOTIFICATIONS_BREAKER_WINDOW_MS). */
  windowMs: number;
  /** Open for this long, then one trial call (half-open) (NOTIFICATIONS_BREAKER_RESET_MS). */
  resetMs: number;
}

export interface NotificationsConfig {
  email: { provider: EmailProvider; from: string; smtp?: SmtpSettings; http?: HttpEmailSettings };
  whatsapp: { provider: WhatsAppProvider; cloudApi?: CloudApiSettings };
  delivery: DeliverySettings;
  breaker: BreakerSettings;
  /** Legal but probably unintended settings, logged once at startup. */
  warnings: string[];
}

const DEFAULT_FROM = 'Bastion <no-reply@localhost>';
const DEFAULT_WHATSAPP_API_BASE = 'https://graph.facebook.com/v21.0';
const SMTP_DEFAULT_PORT: Record<SmtpTlsMode, number> = { starttls: 587, tls: 465, none: 25 };

/** An http(s) URL (see `EnvReader.serviceUrl`); '' stays '' (reported as required elsewhere). */
function readProviderUrl(r: EnvReader, name: string, value: string, production: boolean): string {
  if (value !== '') r.serviceUrl(name, value, production, 'the request carries a bearer token');
  return value.replace(/\/+$/, '');
}

/** One of `allowed`, listed comma-separated in the message. */
function oneOf<T extends string>(r: EnvReader, name: string, allowed: readonly T[], fallback: T): T {
  return r.enumOf(name, allowed, fallback, { separator: ', ' });
}

/** `Name <a@b>` or `a@b`: exactly one mailbox with an address. */
function validFrom(value: string): boolean {
  const parsed = addressparser(value, { flatten: true });
  return parsed.length === 1 && typeof parsed[0].address === 'string' && /^[^@\s]+@[^@\s]+$/.test(parsed[0].address);
}

function parseEmail(r: EnvReader, raw: RawEnv, production: boolean, warnings: string[], readFile: (path: string) => string) {
  const provider = oneOf(r, 'EMAIL_PROVIDER', EMAIL_PROVIDERS, 'log');
  const because = `EMAIL_PROVIDER=${provider}`;
  const fromRaw = provider === 'log' ? (r.string('EMAIL_FROM') ?? DEFAULT_FROM) : r.required('EMAIL_FROM', because);
  if (fromRaw !== '' && !validFrom(fromRaw)) {
    r.problem('EMAIL_FROM', `must be one address, "Name <user@domain>" or "user@domain", got "${fromRaw}"`);
  }
  const email: NotificationsConfig['email'] = { provider, from: fromRaw };

  if (provider === 'smtp') {
    const host = r.required('SMTP_HOST', because);
    const tls = oneOf(r, 'SMTP_SECURE', SMTP_TLS_MODES, 'starttls');
    const port = r.wholeNumber('SMTP_PORT', SMTP_DEFAULT_PORT[tls], 1, 65_535);
    const user = r.string('SMTP_USER');
    const password = raw.SMTP_PASSWORD === undefined || raw.SMTP_PASSWORD === '' ? undefined : raw.SMTP_PASSWORD;
    if (user !== undefined && password === undefined) r.required('SMTP_PASSWORD', 'SMTP_USER is set');
    if (password !== undefined && user === undefined) r.required('SMTP_USER', 'SMTP_PASSWORD is set');
    let caPem: string | undefined;
    const caFile = r.string('SMTP_TLS_CA_FILE');
    if (caFile !== undefined) {
      try {
        caPem = readFile(caFile);
        if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
          r.problem('SMTP_TLS_CA_FILE', `"${caFile}" holds no PEM certificate`);
        }
      } catch (error) {
        r.problem('SMTP_TLS_CA_FILE', `cannot be read: ${(error as Error).message}`);
      }
    }
    if (tls === 'none') {
      const where = isLoopback(host) ? 'on loopback' : `to ${host}`;
      warnings.push(`SMTP_SECURE=none: mail ${user ? 'and the SMTP password ' : ''}travel unencrypted ${where}`);
    }
    email.smtp = { host, port, tls, ...(user !== undefined && password !== undefined ? { user, password } : {}), caPem };
  } else if (provider === 'http') {
    const url = readProviderUrl(r, 'EMAIL_HTTP_URL', r.required('EMAIL_HTTP_URL', because), production);
    const token = r.required('EMAIL_HTTP_TOKEN', because);
    email.http = { url, token };
  } else {
    const ignored = ['SMTP_HOST', 'EMAIL_HTTP_URL'].filter((name) => r.string(name) !== undefined);
    if (ignored.length > 0) warnings.push(`${ignored.join(' and ')} set but EMAIL_PROVIDER=log: emails are only logged`);
    if (production)
      warnings.push('EMAIL_PROVIDER=log in production: emails (security notices included) are only logged, never sent');
  }
  return email;
}

function parseWhatsApp(r: EnvReader, production: boolean, warnings: string[]): NotificationsConfig['whatsapp'] {
  const provider = oneOf(r, 'WHATSAPP_PROVIDER', WHATSAPP_PROVIDERS, 'log');
  if (provider === 'log') {
    if (r.string('WHATSAPP_TOKEN') !== undefined)
      warnings.push('WHATSAPP_TOKEN set but WHATSAPP_PROVIDER=log: WhatsApp messages are only logged');
    return { provider };
  }
  const because = `WHATSAPP_PROVIDER=${provider}`;
  const phoneNumberId = r.required('WHATSAPP_PHONE_NUMBER_ID', because);
  if (phoneNumberId !== '' && !/^\d{1,32}$/.test(phoneNumberId)) {
    r.problem('WHATSAPP_PHONE_NUMBER_ID', `must be the numeric phone-number id, got "${phoneNumberId}"`);
  }
  const token = r.required('WHATSAPP_TOKEN', because);
  const apiBase = readProviderUrl(r, 'WHATSAPP_API_BASE', r.string('WHATSAPP_API_BASE') ?? DEFAULT_WHATSAPP_API_BASE, production);
  return { provider, cloudApi: { apiBase, phoneNumberId, token } };
}

/**
 * Reads and validates the notifications variables. Every problem is reported at once, by
 * variable name: choosing a provider without its settings names each missing one.
 */
export function parseNotificationsConfig(
  raw: RawEnv,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): NotificationsConfig {
  const r = new EnvReader(raw);
  const production = raw.APP_ENV?.trim() === 'production';
  const warnings: string[] = [];
  const email = parseEmail(r, raw, production, warnings, readFile);
  const whatsapp = parseWhatsApp(r, production, warnings);

  const sendTimeoutMs = r.wholeNumber('NOTIFICATIONS_SEND_TIMEOUT_MS', 10_000, 100, 120_000);
  const leaseMs = r.wholeNumber('NOTIFICATIONS_LEASE_MS', 60_000, 1_000, 3_600_000);
  const baseMs = r.wholeNumber('NOTIFICATIONS_BACKOFF_BASE_MS', 30_000, 100, 3_600_000);
  const maxMs = r.wholeNumber('NOTIFICATIONS_BACKOFF_MAX_MS', 3_600_000, 100, 7 * 86_400_000);
  const delivery: DeliverySettings = {
    maxAttempts: r.wholeNumber('NOTIFICATIONS_MAX_ATTEMPTS', 8, 1, 50),
    backoff: { baseMs, maxMs },
    pollMs: r.wholeNumber('NOTIFICATIONS_POLL_MS', 2_000, 100, 3_600_000),
    batchSize: r.wholeNumber('NOTIFICATIONS_BATCH_SIZE', 10, 1, 100),
    sendTimeoutMs,
    leaseMs,
    retentionDays: r.wholeNumber('NOTIFICATIONS_RETENTION_DAYS', 30, 1, 3_650),
  };
  const breaker: BreakerSettings = {
    errorThresholdPercent: r.wholeNumber('NOTIFICATIONS_BREAKER_ERROR_PERCENT', 50, 1, 100),
    volumeThreshold: r.wholeNumber('NOTIFICATIONS_BREAKER_VOLUME', 5, 1, 10_000),
    windowMs: r.wholeNumber('NOTIFICATIONS_BREAKER_WINDOW_MS', 60_000, 1_000, 3_600_000),
    resetMs: r.wholeNumber('NOTIFICATIONS_BREAKER_RESET_MS', 30_000, 100, 3_600_000),
  };
  if (r.problems.length === 0) {
    if (maxMs < baseMs) {
      r.problem('NOTIFICATIONS_BACKOFF_MAX_MS', `must be at least NOTIFICATIONS_BACKOFF_BASE_MS (${baseMs})`);
    }
    // An SMTP send has several steps, each with its own timeout; the lease must outlast them
    // all, or a slow (but successful) send could be claimed and sent again by another instance.
    if (leaseMs < 3 * sendTimeoutMs) {
      r.problem(
        'NOTIFICATIONS_LEASE_MS',
        `must be at least 3 × NOTIFICATIONS_SEND_TIMEOUT_MS (${3 * sendTimeoutMs}), got ${leaseMs}`,
      );
    }
  }
  r.throwIfInvalid();
  return { email, whatsapp, delivery, breaker, warnings };
}

/**
 * The notifications context's configuration, validated when the module boots: a provider
 * chosen without its settings stops the app with an error naming every missing variable.
 * Inject with `@Inject(notificationsConfig.KEY) config: NotificationsConfig`.
 */
export const notificationsConfig = registerAs('notifications', (): NotificationsConfig => parseNotificationsConfig(process.env));
