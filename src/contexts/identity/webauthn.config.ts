import { registerAs } from '@nestjs/config';
import { EnvReader, type RawEnv } from '../../platform/config';

export const COUNTER_ANOMALY_POLICIES = ['refuse', 'warn'] as const;
export type CounterAnomalyPolicy = (typeof COUNTER_ANOMALY_POLICIES)[number];

/** The WebAuthn relying party: who passkeys are made for, and where ceremonies may come from. */
export interface WebAuthnConfig {
  /** WEBAUTHN_RP_ID: the domain passkeys are bound to (default: PUBLIC_BASE_URL's host name). */
  rpId: string;
  /** WEBAUTHN_RP_NAME: the name authenticators show (default `Bastion`). */
  rpName: string;
  /** WEBAUTHN_ORIGINS: the origins a ceremony may come from (default: PUBLIC_BASE_URL's origin). */
  origins: string[];
  /** How long a ceremony's challenge can be answered, in seconds (WEBAUTHN_CHALLENGE_TTL, default 5 minutes). */
  challengeTtl: number;
  /** Passkeys per account (10). */
  maxPasskeys: number;
  /** WEBAUTHN_COUNTER_POLICY: what a signature counter that did not move forward does (default `refuse`). */
  counterPolicy: CounterAnomalyPolicy;
}

export const MAX_PASSKEYS = 10;

const isLoopback = (host: string): boolean => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/** Reads and validates the WebAuthn variables; every problem is reported, by variable name. */
export function parseWebAuthnConfig(raw: RawEnv): WebAuthnConfig {
  const r = new EnvReader(raw);
  const production = (raw.APP_ENV?.trim() || 'development') === 'production';
  const base = new URL((raw.PUBLIC_BASE_URL?.trim() || 'http://127.0.0.1:3000').replace(/\/+$/, ''));
  const rpId = (r.string('WEBAUTHN_RP_ID') ?? base.hostname).toLowerCase();
  const rpName = r.string('WEBAUTHN_RP_NAME') ?? 'Bastion';
  const origins = (r.string('WEBAUTHN_ORIGINS') ?? base.origin)
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin.length > 0);
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      r.problem('WEBAUTHN_ORIGINS', `"${origin}" is not an origin (scheme://host[:port])`);
      continue;
    }
    if (parsed.origin !== origin)
      r.problem('WEBAUTHN_ORIGINS', `"${origin}" must be an origin only (no path), e.g. ${parsed.origin}`);
    if (production && parsed.protocol !== 'https:' && !isLoopback(parsed.hostname)) {
      r.problem(
        'WEBAUTHN_ORIGINS',
        `"${origin}" must be https in production (browsers refuse WebAuthn elsewhere, localhost aside)`,
      );
    }
    const host = parsed.hostname.toLowerCase();
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      r.problem('WEBAUTHN_ORIGINS', `"${origin}" is not on the relying party's domain "${rpId}" (WEBAUTHN_RP_ID)`);
    }
  }
  if (origins.length === 0) r.problem('WEBAUTHN_ORIGINS', 'names no origin');
  const challengeTtl = r.duration('WEBAUTHN_CHALLENGE_TTL', 300, 30, 3600);
  const counterPolicy = r.enumOf('WEBAUTHN_COUNTER_POLICY', COUNTER_ANOMALY_POLICIES, 'refuse');
  r.throwIfInvalid();
  return { rpId, rpName, origins, challengeTtl, maxPasskeys: MAX_PASSKEYS, counterPolicy };
}

/** Inject with `@Inject(webAuthnConfig.KEY) config: WebAuthnConfig`. */
export const webAuthnConfig = registerAs('webauthn', (): WebAuthnConfig => parseWebAuthnConfig(process.env));
