import type { FieldError } from './problem';

/**
 * Bounds and character rules for everything a client sends as JSON (and the query string),
 * checked once for every route before validation. Framework-free.
 *
 * - Depth and size: a body nested deeper than `MAX_JSON_DEPTH` or holding more than
 *   `MAX_JSON_NODES` keys and elements is refused as a whole (`body_too_complex`): no DTO
 *   needs more, and recursive code further down (validation, transformation, hashing) must
 *   never see a pathological tree.
 * - Characters: a string (or key) with NUL or an unpaired UTF-16 surrogate cannot be stored
 *   (PostgreSQL refuses NUL in text; a lone surrogate has no UTF-8 form) and is never
 *   meaningful, so it is a field error naming where it is.
 */
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_NODES = 10_000;

export type JsonVerdict =
  { ok: true } | { ok: false; kind: 'too_deep' | 'too_large' } | { ok: false; kind: 'bad_string'; errors: FieldError[] };

const OK: JsonVerdict = { ok: true };

/** True for a string PostgreSQL can store as text and UTF-8 can encode. */
export function isStorableString(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}

/**
 * Walks a parsed JSON value without recursion (so depth cannot blow the stack here either)
 * and returns the first reason to refuse it, or `ok`.
 */
export function inspectJson(value: unknown, limits = { depth: MAX_JSON_DEPTH, nodes: MAX_JSON_NODES }): JsonVerdict {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'string' && !isStorableString(value) ? badStrings(value) : OK;
  }
  const stack: Array<[unknown, number]> = [[value, 1]];
  let nodes = 0;
  let badString = false;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (depth > limits.depth) return { ok: false, kind: 'too_deep' };
    const children: unknown[] = Array.isArray(current) ? current : Object.values(current as object);
    if (!Array.isArray(current)) {
      for (const key of Object.keys(current as object)) if (!isStorableString(key)) badString = true;
    }
    nodes += children.length;
    if (nodes > limits.nodes) return { ok: false, kind: 'too_large' };
    for (const child of children) {
      if (typeof child === 'string') {
        if (!badString && !isStorableString(child)) badString = true;
      } else if (typeof child === 'object' && child !== null) {
        stack.push([child, depth + 1]);
      }
    }
  }
  return badString ? badStrings(value) : OK;
}

/** The paths (`name`, `items.2.title`, a key itself) of every unstorable string; the tree is known to be bounded. */
function badStrings(value: unknown): JsonVerdict {
  const errors: FieldError[] = [];
  const visit = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      if (!isStorableString(node)) errors.push(fieldError(path));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, child] of Object.entries(node)) {
      const childPath = path ? `${path}.${key}` : key;
      if (!isStorableString(key)) errors.push(fieldError(path ? `${path}.${printable(key)}` : printable(key)));
      visit(child, childPath);
    }
  };
  visit(value, '');
  return { ok: false, kind: 'bad_string', errors };
}

function fieldError(field: string): FieldError {
  return {
    field: printable(field),
    code: 'invalid_characters',
    message: 'must not contain NUL characters or unpaired UTF-16 surrogates',
  };
}

/** A field path safe to echo back: the offending characters shown as escapes. */
function printable(path: string): string {
  return isStorableString(path) ? path : escapeUnstorable(path);
}

function escapeUnstorable(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const high = code >= 0xd800 && code <= 0xdbff;
    const low = code >= 0xdc00 && code <= 0xdfff;
    const paired = high && i + 1 < text.length && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff;
    if (code === 0 || ((high || low) && !paired)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (paired) out += text[i] + text[++i];
    else out += text[i];
  }
  return out;
}
