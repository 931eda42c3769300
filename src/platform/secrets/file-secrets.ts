import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { EnvProblem } from '../config';
import type { SecretFetch, SecretProvider } from './secret-provider';
import { fileVariable } from './secret-variables';

/** A secret file is a key, a password or a URL: anything larger is not what was meant. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * The `<NAME>_FILE` convention (Docker and Kubernetes secrets): the value is the file's
 * content, trimmed (a trailing newline is not part of the secret). A file that cannot be read,
 * is empty, is not a regular file (a directory, a FIFO, a device: refused before it is opened)
 * or is too large is a problem naming `<NAME>_FILE` and its path; in production so is a file
 * every user of the machine may read (mode `o+r`).
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
      // Looked at before it is opened: opening a FIFO waits for a writer (for ever, start-up and
      // every later refresh with it), and opening a device may do something. Opened without
      // blocking all the same, for a path swapped in between; checked again once open.
      if (!(await stat(path)).isFile()) return { problem: `"${path}" is not a regular file` };
      handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      return { problem: `cannot read "${path}" (${describeFsError(error)})` };
    }
    try {
      const opened = await handle.stat();
      if (!opened.isFile()) return { problem: `"${path}" is not a regular file` };
      if (this.production && (opened.mode & 0o004) !== 0) {
        const mode = (opened.mode & 0o777).toString(8).padStart(4, '0');
        return { problem: `"${path}" is readable by every user (mode ${mode}); make it 0400 or 0600 (0440 for a group)` };
      }
      if (opened.size > MAX_SECRET_FILE_BYTES) return { problem: `"${path}" is larger than ${MAX_SECRET_FILE_BYTES} bytes` };
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
