import { registerAs } from '@nestjs/config';
import { EnvReader, type RawEnv } from '../../platform/config';

/** The tenancy context's settings. Durations in seconds. */
export interface TenancyConfig {
  /** How long a tenant invitation's link works (TENANT_INVITATION_TTL, default 7 days; 1 hour to 30 days). */
  invitationTtl: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Reads and validates the tenancy variables; every problem is reported, by variable name. */
export function parseTenancyConfig(raw: RawEnv): TenancyConfig {
  const r = new EnvReader(raw);
  const invitationTtl = r.duration('TENANT_INVITATION_TTL', 7 * DAY, HOUR, 30 * DAY);
  r.throwIfInvalid();
  return { invitationTtl };
}

/**
 * The tenancy context's configuration, validated when the module boots.
 * Inject with `@Inject(tenancyConfig.KEY) config: TenancyConfig`.
 */
export const tenancyConfig = registerAs('tenancy', (): TenancyConfig => parseTenancyConfig(process.env));
