import { open } from 'node:fs/promises';
import type { EnvProblem } from '../config';
import type { SecretFetch, SecretProvider } from './secret-provider';
import { fileVariable } from './secret-variables';

/** A secret file is a key, a password or a URL: anything larger is not what was meant. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * The `<NAME>_FILE` convention (Docker and Kubernetes secrets): the value is the file's
 * content, trimmed (a trailing newline is not part of the secret). A file that cannot be read,
 * is empty, is not a regular file or is too large is a problem naming `<NAME>_FILE` and its
 * path; in production so is a file every user of the machine may read (mode `o+r`).
 * Each `fetch` reads the files again: a Kubernetes Secret volume is updated in place on rotation.
 */
export class FileSecrets implements SecretProvider {
  readonly source = 'file' as const;
  readonly label = 'file';

  /** `paths`: secret name → the path its `<NAME>_FILE` variable holds. */
  constructor(
    readonly paths: ReadonlyMap<string, string>,
    private readonly production: boolean,
  ) {}

  async fetch(): Promise<SecretFetch> {
    const values = new Map<string, string>();
    const problems: EnvProblem[] = [];
    const entries = [...this.paths];
    const results = await Promise.all(entries.map(([, path]) => this.read(path)));
    // In the order of the variables, whatever order the reads finished in.
    entries.forEach(([name], i) => {
      const result = results[i];
      if (typeof result === 'string') values.set(name, result);
      else problems.push({ variable: fileVariable(name), message: result.problem });
    });
    return { values, problems };
  }

  private async read(path: string): Promise<string | { problem: string }> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      return { problem: `cannot read "${path}" (${describeFsError(error)})` };
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return { problem: `"${path}" is not a regular file` };
      if (this.production && (stat.mode & 0o004) !== 0) {
        const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
        return { problem: `"${path}" is readable by every user (mode ${mode}); make it 0400 or 0600 (0440 for a group)` };
      }
      if (stat.size > MAX_SECRET_FILE_BYTES) return { problem: `"${path}" is larger than ${MAX_SECRET_FILE_BYTES} bytes` };
      const value = (await handle.readFile('utf8')).trim();
      if (value === '') return { problem: `"${path}" is empty` };
      return value;
    } catch (error) {
      return { problem: `cannot read "${path}" (${describeFsError(error)})` };
    } finally {
      await handle.close();
    }
  }
}

/** `ENOENT: no such file or directory` without the path (the message names it already). */
function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  if (e.code && known[e.code]) return `${e.code}: ${known[e.code]}`;
  return e.code ?? (e instanceof Error ? e.message : String(error));
}
