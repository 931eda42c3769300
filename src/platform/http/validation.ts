import { ValidationPipe, type ValidationError } from '@nestjs/common';
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
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new ValidationFailedError(toFieldErrors(errors)),
  });
}
