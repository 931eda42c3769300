import { stableStringify } from './swagger';

type Json = Record<string, unknown>;

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const asObject = (value: unknown): Json => (value !== null && typeof value === 'object' ? (value as Json) : {});

/** JSON equality: the same canonical text (sorted keys), whatever the key order or the objects' origin. */
const sameJson = (x: unknown, y: unknown): boolean => stableStringify(x ?? null) === stableStringify(y ?? null);

/** The keys of `a` and `b` whose values differ (added, removed or changed), sorted. */
function differingKeys(a: Json, b: Json): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !sameJson(a[key], b[key])).sort();
}

/**
 * Where two OpenAPI documents differ, named the way a reviewer looks for it: each operation
 * (`POST /api/v1/projects`), each schema (`components.schemas.ProjectDto`), and any other
 * top-level part (`info`, `tags`, …). Empty when they are equal.
 */
export function describeDrift(committed: unknown, generated: unknown): string[] {
  const a = asObject(committed);
  const b = asObject(generated);
  const parts: string[] = [];
  for (const key of differingKeys(a, b)) {
    if (key === 'paths') {
      const [pa, pb] = [asObject(a.paths), asObject(b.paths)];
      for (const path of differingKeys(pa, pb)) {
        const [oa, ob] = [asObject(pa[path]), asObject(pb[path])];
        const methods = differingKeys(oa, ob);
        const named = methods.filter((m) => HTTP_METHODS.has(m));
        for (const method of named) parts.push(`${method.toUpperCase()} ${path}`);
        if (named.length < methods.length) parts.push(`paths.${path}`);
      }
    } else if (key === 'components') {
      const [ca, cb] = [asObject(a.components), asObject(b.components)];
      for (const kind of differingKeys(ca, cb)) {
        for (const name of differingKeys(asObject(ca[kind]), asObject(cb[kind]))) parts.push(`components.${kind}.${name}`);
      }
    } else {
      parts.push(key);
    }
  }
  return parts;
}
