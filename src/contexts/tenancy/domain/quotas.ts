import { type FieldError, ValidationFailedError } from '../../../platform/http/problem';

/**
 * What a tenant may use, set by platform admins (enforced by later rounds). Each is a
 * positive whole number, or `null`: unlimited.
 */
export const QUOTA_FIELDS = ['max_members', 'max_projects', 'max_storage_bytes', 'max_requests_per_minute'] as const;
export type QuotaField = (typeof QUOTA_FIELDS)[number];
export type TenantQuotas = Record<QuotaField, number | null>;

export const DEFAULT_QUOTAS: Readonly<TenantQuotas> = Object.freeze({
  max_members: null,
  max_projects: null,
  max_storage_bytes: null,
  max_requests_per_minute: null,
});

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isLimit = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1;

/** The quotas as stored (JSON, possibly partial or empty): unset means unlimited. */
export function quotasOf(stored: unknown): TenantQuotas {
  const raw = isPlainObject(stored) ? stored : {};
  const quotas = { ...DEFAULT_QUOTAS };
  for (const key of QUOTA_FIELDS) if (isLimit(raw[key])) quotas[key] = raw[key];
  return quotas;
}

/**
 * Checks a quotas change sent by a platform admin: an object with any of `QUOTA_FIELDS`, each
 * a positive whole number or `null`. Every fault is reported at once, named `<field>.<quota>`.
 * @throws ValidationFailedError 400 validation_failed
 */
export function parseQuotasPatch(value: unknown, field = 'quotas'): Partial<TenantQuotas> {
  if (!isPlainObject(value)) {
    throw new ValidationFailedError([{ field, code: 'is_object', message: `${field} must be an object` }]);
  }
  const errors: FieldError[] = [];
  const patch: Partial<TenantQuotas> = {};
  for (const [key, limit] of Object.entries(value)) {
    if (!(QUOTA_FIELDS as readonly string[]).includes(key)) {
      errors.push({ field: `${field}.${key}`, code: 'unknown_field', message: `property ${key} should not exist` });
    } else if (limit === null || isLimit(limit)) {
      patch[key as QuotaField] = limit;
    } else {
      errors.push({
        field: `${field}.${key}`,
        code: 'quota',
        message: `${key} must be a positive whole number, or null for unlimited`,
      });
    }
  }
  if (errors.length > 0) throw new ValidationFailedError(errors);
  return patch;
}

/** The quotas after a (parsed) change, and the names of those whose values changed. */
export function mergeQuotas(
  current: TenantQuotas,
  patch: Partial<TenantQuotas>,
): { quotas: TenantQuotas; changed: QuotaField[] } {
  const quotas = { ...current, ...patch };
  return { quotas, changed: QUOTA_FIELDS.filter((key) => quotas[key] !== current[key]) };
}

/** The quotas measured by what the tenant holds, checked when something is added (`TenantScope.withinQuota`). */
export type UsageQuota = 'max_projects' | 'max_storage_bytes';

/**
 * Whether adding `adding` (projects: 1; storage: the file's bytes) to `usage` stays within
 * `limit` (null: unlimited). Reaching the limit exactly is allowed; going over is the breach,
 * reported with the usage before the addition. Null when there is room.
 */
export function usageQuotaBreach(
  quota: UsageQuota,
  limit: number | null,
  usage: number,
  adding: number,
): { quota: UsageQuota; limit: number; usage: number } | null {
  return limit !== null && usage + adding > limit ? { quota, limit, usage } : null;
}
