import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads docs/openapi.json from disk (synchronously, so suites can build `describe.each`
 * tables at module load) and walks its operations: request schemas with `$ref`s resolved,
 * the string fields a body can carry, and plausible minimal values generated from a schema.
 */

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  minItems?: number;
  pattern?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

interface RawOperation {
  operationId?: string;
  parameters?: Parameter[];
  security?: unknown[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface Operation {
  /** `POST /api/v1/projects`: what a failure message names. */
  name: string;
  method: string;
  /** The path template, `{id}` and all. */
  path: string;
  parameters: Parameter[];
  /** Whether the document marks the operation as public (`security: []`). */
  isPublic: boolean;
  /** The `application/json` request schema, references resolved (undefined: no JSON body). */
  jsonBody?: Schema;
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

type Document = {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
};

export function loadOpenApi(documentPath = join(__dirname, '..', '..', 'docs', 'openapi.json')): Operation[] {
  const document = JSON.parse(readFileSync(documentPath, 'utf8')) as Document;
  const resolve = (schema: Schema | undefined, seen: string[] = []): Schema | undefined => {
    if (!schema) return undefined;
    if (schema.$ref) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      const target = document.components?.schemas?.[name];
      if (!target) throw new Error(`docs/openapi.json: unresolvable $ref ${schema.$ref}`);
      // A recursive schema stops at its second appearance: the walk goes one level down only.
      return seen.includes(name) ? { type: 'object' } : resolve(target, [...seen, name]);
    }
    if (schema.allOf) {
      return schema.allOf
        .map((part) => resolve(part, seen)!)
        .reduce<Schema>(
          (merged, part) => ({
            ...merged,
            ...part,
            properties: { ...merged.properties, ...part.properties },
            required: [...(merged.required ?? []), ...(part.required ?? [])],
          }),
          {},
        );
    }
    return {
      ...schema,
      ...(schema.properties
        ? { properties: Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(v, seen)!])) }
        : {}),
      ...(schema.items ? { items: resolve(schema.items, seen) } : {}),
    };
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]): Operation => {
        const json = op.requestBody?.content?.['application/json'];
        return {
          name: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
          parameters: op.parameters ?? [],
          isPublic: Array.isArray(op.security) && op.security.length === 0,
          jsonBody: json ? (resolve(json.schema) ?? {}) : undefined,
        };
      }),
  );
}

export const isStringSchema = (schema: Schema | undefined): boolean => schema?.type === 'string' || schema?.enum !== undefined;

/**
 * The dotted paths (as the API names fields in `errors[].field`: `name`, `items.0.title`,
 * `ids.0`) of every string a body of this schema can hold: top-level properties, and one
 * level down into object properties and array items.
 */
export function stringFieldPaths(schema: Schema): string[][] {
  const paths: string[][] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (isStringSchema(property)) paths.push([key]);
    else if (property.type === 'object' || property.properties) {
      for (const [inner, innerSchema] of Object.entries(property.properties ?? {}))
        if (isStringSchema(innerSchema)) paths.push([key, inner]);
    } else if (property.type === 'array' && property.items) {
      const items = property.items;
      if (isStringSchema(items)) paths.push([key, '0']);
      else
        for (const [inner, innerSchema] of Object.entries(items.properties ?? {}))
          if (isStringSchema(innerSchema)) paths.push([key, '0', inner]);
    }
  }
  return paths;
}

let counter = 0;

/** A plausible value for a schema: required properties filled, one item per array. */
export function sampleValue(schema: Schema | undefined, name = ''): unknown {
  if (!schema) return 'x';
  if (schema.enum?.length) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(schema.minItems ?? 1, 1) }, () => sampleValue(schema.items, name));
    case 'object':
      return sampleObject(schema);
    default:
      if (schema.properties) return sampleObject(schema);
      return sampleString(schema, name);
  }
}

/** An object with only its required properties (and `include`, a path into it, present too). */
export function sampleObject(schema: Schema, include: string[] = []): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const wanted = include[0] === key;
    if (!(schema.required ?? []).includes(key) && !wanted) continue;
    if (wanted && include.length > 1) {
      if (property.type === 'array') {
        // include = [key, '0', ...rest]: one item, itself holding `rest`.
        const rest = include.slice(2);
        body[key] = [property.items && rest.length > 0 ? sampleObject(property.items, rest) : sampleValue(property.items, key)];
      } else {
        body[key] = sampleObject(property, include.slice(1));
      }
    } else {
      body[key] = sampleValue(property, key);
    }
  }
  return body;
}

function sampleString(schema: Schema, name: string): string {
  counter += 1;
  if (schema.format === 'email' || /email/i.test(name)) return `hostile.${Date.now().toString(36)}${counter}@example.com`;
  if (schema.format === 'uuid' || /(^|_)ids?$/.test(name)) return randomUUID();
  if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
  if (schema.format === 'date') return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  if (/password/i.test(name)) return 'correct-horse-battery-staple-42';
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Infinity;
  if (typeof schema.example === 'string' && schema.example.length >= min && schema.example.length <= max) return schema.example;
  if (typeof schema.default === 'string' && schema.default.length >= min) return schema.default;
  return 'x'.repeat(Math.max(min, 1));
}

/**
 * The URL of an operation: path parameters replaced by plausible values (a random UUID for
 * ids), or by the already-encoded text `raw` gives for them; `query` appended as it is.
 */
export function concreteUrl(operation: Operation, query = '', raw: Record<string, string> = {}): string {
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name in raw) return raw[name];
    const parameter = operation.parameters.find((p) => p.in === 'path' && p.name === name);
    return encodeURIComponent(String(sampleValue(parameter?.schema ?? { type: 'string' }, name)));
  });
  return query ? `${path}?${query}` : path;
}
