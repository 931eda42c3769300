import type { SaveOptions } from 'typeorm';

/**
 * For `save()` of one new entity with no cascades: TypeORM wraps every save in
 * BEGIN … COMMIT, but a single INSERT is atomic on its own. Without the wrapper the insert is
 * one round trip instead of three (each a syscall and a backend wake-up on the request's path).
 */
export const ONE_STATEMENT: SaveOptions = { transaction: false };
