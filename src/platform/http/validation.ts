import { type ArgumentMetadata, type Type, ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { type FieldError, ValidationFailedError } from './problem';

/** Framework-free, so domain rules can throw it; re-exported here beside the pipe that throws it most. */
export { ValidationFailedError } from './problem';

/** Flattens class-validator's tree into `{field, code, message}` entries, nested paths dotted. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([code, message]) => ({
      field,
      code: code === 'whitelistValidation' ? 'unknown_field' : toSnake(code),
      message,
    }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

function toSnake(value: string): string {
  return value.replace(/([a-z\d])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The global pipe: strips nothing silently (unknown fields are an error), converts types. */
export function createValidationPipe(): ValidationPipe {
  return new ExactWhitelistPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new ValidationFailedError(toFieldErrors(errors)),
  });
}

/**
 * Nest's pipe, with the whitelist made exact. Its whitelist misses the keys named after
 * `Object.prototype` members (`constructor`, `valueOf`, `toString`, `__proto__`, ...): the pipe
 * strips `constructor` and `__proto__`, class-transformer drops a key whose target is an
 * inherited function, and class-validator looks the rest up on a plain `{}`, where they all
 * exist. So the value's own keys, as they came, are compared with the class's declared
 * properties first; the ones it does not declare join the other field errors as the same
 * `unknown_field` the whitelist gives.
 */
class ExactWhitelistPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    const undeclared = type && this.toValidate(metadata) ? undeclaredKeys(value, type) : [];
    if (undeclared.length === 0) return super.transform(value, metadata);
    const unknown = undeclared.map(unknownField);
    try {
      await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof ValidationFailedError)) throw error;
      throw new ValidationFailedError(withoutRepeats([...(error.options.errors ?? []), ...unknown]), error.message);
    }
    throw new ValidationFailedError(unknown);
  }
}

/** The own keys of a plain object (a body, a query) that `type` declares no validation for. */
function undeclaredKeys(value: unknown, type: Type): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return [];
  const declared = declaredProperties(type);
  return Object.keys(value).filter((key) => !declared.has(key));
}

const DECLARED = new WeakMap<Type, ReadonlySet<string>>();

/**
 * The properties class-validator knows of `type` (its own and inherited, whatever the group),
 * that is what the whitelist admits; read once per class, since decorators run at load.
 */
function declaredProperties(type: Type): ReadonlySet<string> {
  let names = DECLARED.get(type);
  if (!names) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(type, '', false, false);
    names = new Set(metadata.map((entry) => entry.propertyName));
    DECLARED.set(type, names);
  }
  return names;
}

function unknownField(key: string): FieldError {
  return { field: key, code: 'unknown_field', message: `property ${key} should not exist` };
}

function withoutRepeats(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const id = `${error.field}\u0000${error.code}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
