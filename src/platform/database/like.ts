/** Escapes `\`, `%` and `_` so user text matches literally inside a LIKE pattern (escape char `\`). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
