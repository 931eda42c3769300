import type { FieldError } from '../../../platform/http/problem';

/**
 * A tenant's slug: its stable, URL-safe handle. Lower-case letters, digits and inner hyphens,
 * 3 to 63 characters (a DNS label, so a slug can one day name a sub-domain). The same
 * pattern is a CHECK constraint on `tenants.slug`.
 */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;
export const SLUG_MIN = 3;
export const SLUG_MAX = 63;

/** Slugs of personal tenants: `u-` and the owner's id without dashes. No one may choose one. */
export const PERSONAL_SLUG_PREFIX = 'u-';

/** Names that would be confused with the product's own addresses and roles. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'api',
  'app',
  'assets',
  'auth',
  'billing',
  'cdn',
  'console',
  'dashboard',
  'docs',
  'help',
  'internal',
  'login',
  'mail',
  'new',
  'null',
  'owner',
  'personal',
  'platform',
  'root',
  'security',
  'settings',
  'static',
  'status',
  'support',
  'system',
  'tenant',
  'tenants',
  'undefined',
  'www',
]);

/** What a client sends, as it is compared and stored: surrounding space trimmed, lower-cased. */
export function normaliseSlug(value: string): string {
  return value.trim().toLowerCase();
}

/** The slug of `userId`'s personal tenant (34 characters). */
export function personalSlug(userId: string): string {
  return `${PERSONAL_SLUG_PREFIX}${userId.replace(/-/g, '').toLowerCase()}`;
}

export function isReservedSlug(slug: string): boolean {
  return RESERVED_SLUGS.has(slug) || slug.startsWith(PERSONAL_SLUG_PREFIX);
}

/**
 * What is wrong with a (normalised) slug a client chose, as field errors on `field`: its
 * shape (`invalid_slug`), or a reserved name (`reserved_slug`). Empty: the slug is fine.
 */
export function slugErrors(slug: string, field = 'slug'): FieldError[] {
  if (!SLUG_PATTERN.test(slug)) {
    return [
      {
        field,
        code: 'invalid_slug',
        message: `${field} must be ${SLUG_MIN}-${SLUG_MAX} lower-case letters, digits or hyphens, starting and ending with a letter or digit`,
      },
    ];
  }
  if (isReservedSlug(slug)) {
    const why = slug.startsWith(PERSONAL_SLUG_PREFIX)
      ? `slugs starting with "${PERSONAL_SLUG_PREFIX}" name personal tenants`
      : 'it is reserved';
    return [{ field, code: 'reserved_slug', message: `${field} cannot be "${slug}": ${why}` }];
  }
  return [];
}
