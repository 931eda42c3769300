import { Transform } from 'class-transformer';
import { Matches, ValidateIf } from 'class-validator';

/**
 * Optional in a PATCH, but when present it must be valid: `null` is not "absent" (it fails
 * the type check) so a required column can never be cleared to null.
 */
export const PatchField = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

/** Trims surrounding white space of a string (names, subjects, titles); other values pass as they are. */
export const Trim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Requires some visible text: white space alone is blank. */
export const NotBlank = (): PropertyDecorator => Matches(/\S/, { message: ({ property }) => `${property} must not be blank` });
