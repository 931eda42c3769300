import { buildMessage, ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

/**
 * Length rules counted in characters as PostgreSQL counts them in a `varchar(n)` column: code
 * points. class-validator's own `Length`/`MaxLength`/`MinLength` (validator.js `isLength`) leave
 * out a variation selector (U+FE0E, U+FE0F) after a character, so a value they pass could still
 * be too long for its column (a 500 at the insert). Same names, same constraint names (error
 * codes `is_length`, `max_length`, `min_length`) and the same messages as theirs.
 */
export function characterCount(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

const longerThan = (args: ValidationArguments, min: number) =>
  `${args.property} must be longer than or equal to ${min} characters`;
const shorterThan = (args: ValidationArguments, max: number) =>
  `${args.property} must be shorter than or equal to ${max} characters`;

export function Length(min: number, max?: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLength',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const count = characterCount(value);
          return count >= min && (max === undefined || count <= max);
        },
        defaultMessage: buildMessage((_prefix, args) =>
          typeof args?.value !== 'string' || characterCount(args.value) < min ? longerThan(args!, min) : shorterThan(args, max!),
        ),
      },
    },
    options,
  );
}

export function MaxLength(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxLength',
      constraints: [max],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && characterCount(value) <= max,
        defaultMessage: buildMessage((_prefix, args) => shorterThan(args!, max)),
      },
    },
    options,
  );
}

export function MinLength(min: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'minLength',
      constraints: [min],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && characterCount(value) >= min,
        defaultMessage: buildMessage((_prefix, args) => longerThan(args!, min)),
      },
    },
    options,
  );
}
