import { QueryFailedError } from 'typeorm';

/** What PostgreSQL said, from TypeORM's QueryFailedError or pg's own error alike. */
function driverErrorOf(error: unknown): { code?: unknown; constraint?: unknown } | undefined {
  return (error instanceof QueryFailedError ? error.driverError : error) as { code?: unknown; constraint?: unknown } | undefined;
}

/**
 * PostgreSQL refused a row because a unique index already holds its key (SQLSTATE 23505); with
 * `index`, only that index. Takes TypeORM's QueryFailedError and pg's own error alike.
 */
export function isUniqueViolation(error: unknown, index?: string): boolean {
  const driverError = driverErrorOf(error);
  if (driverError?.code !== '23505') return false;
  return index === undefined || driverError.constraint === index;
}

/**
 * PostgreSQL refused a row because a row it references is gone (SQLSTATE 23503); with
 * `constraint`, only a foreign key whose name it matches. Takes TypeORM's QueryFailedError and
 * pg's own error alike.
 */
export function isForeignKeyViolation(error: unknown, constraint?: RegExp): boolean {
  const driverError = driverErrorOf(error);
  if (driverError?.code !== '23503') return false;
  return constraint === undefined || (typeof driverError.constraint === 'string' && constraint.test(driverError.constraint));
}

/**
 * PostgreSQL refused a value longer than its column (SQLSTATE 22001): input that got past its
 * validation (a rule that counts differently from the column), never the server's fault.
 */
export function isValueTooLong(error: unknown): boolean {
  return driverErrorOf(error)?.code === '22001';
}
