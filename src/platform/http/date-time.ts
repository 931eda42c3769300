import { buildMessage, isISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * An RFC 3339 date-time: `2026-12-01T10:00:00Z`, with optional fractions and an offset instead
 * of `Z`. ISO 8601 allows much more (week dates `2027-W10-3`, basic form `20270630T100000Z`,
 * hour-only times `2027-06-30T10Z`) that `Date` cannot read: such a value became an Invalid Date
 * and reached PostgreSQL as a 500. The OpenAPI `format: date-time` is this profile.
 */
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** True when `value` is an RFC 3339 date-time of a real calendar day that `Date` reads. */
export function isDateTime(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    RFC3339_DATE_TIME.test(value) &&
    isISO8601(value, { strict: true, strictSeparator: true }) &&
    !Number.isNaN(Date.parse(value))
  );
}

/**
 * Validates an RFC 3339 date-time (see `isDateTime`). The constraint keeps class-validator's
 * `isIso8601` name, so a refused value is reported with the same `is_iso8601` code as before.
 */
export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIso8601',
      validator: {
        validate: (value): boolean => isDateTime(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an RFC 3339 date-time such as 2026-12-01T10:00:00Z`,
          options,
        ),
      },
    },
    options,
  );
}
