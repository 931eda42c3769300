import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

interface ResponseSpec {
  content?: Record<string, { schema?: unknown }>;
}
interface OperationSpec {
  responses?: Record<string, ResponseSpec>;
}
type Document = { paths: Record<string, Record<string, OperationSpec>> };

/** Statuses any route may answer without listing them (the platform's own): problem+json all the same. */
const PLATFORM_STATUSES = new Set([413, 415, 429, 503]);

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  operation: OperationSpec;
}

const escape = (pointer: string): string => pointer.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks responses against the committed `docs/openapi.json`: the status must be documented
 * for the operation (or be one of the platform's statuses), and a JSON body must match the
 * documented schema. Routes the document does not describe (harness-only routes, /docs,
 * /metrics) are not checked.
 */
export class SpecValidator {
  private readonly routes: Route[];
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(documentPath = join(__dirname, '..', '..', 'docs', 'openapi.json')) {
    const document = JSON.parse(readFileSync(documentPath, 'utf8')) as Document;
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi.json');
    this.routes = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        operation,
      })),
    );
  }

  /** Problems with one response (empty when it agrees with the document). */
  check(method: string, url: string, status: number, contentType: string | undefined, body: string): string[] {
    const path = url.split('?')[0];
    const route = this.routes.find((r) => r.method === (method === 'HEAD' ? 'GET' : method) && r.pattern.test(path));
    if (!route || status === 304) return [];
    const where = `${method} ${route.template} → ${status}`;
    const documented = route.operation.responses?.[String(status)] ?? route.operation.responses?.default;
    if (!documented) {
      if (PLATFORM_STATUSES.has(status) || status === 404)
        return contentType?.startsWith('application/problem+json') ? [] : [`${where}: not problem+json`];
      return [`${where}: status not documented (documented: ${Object.keys(route.operation.responses ?? {}).join(', ')})`];
    }
    const type = contentType?.split(';')[0].trim();
    if (!documented.content || body.length === 0 || !type?.includes('json')) return [];
    const media = documented.content[type];
    if (!media) return [`${where}: content type ${type} not documented (${Object.keys(documented.content).join(', ')})`];
    if (!media.schema) return [];
    const pointer = [
      'paths',
      route.template,
      route.method.toLowerCase(),
      'responses',
      String(status) in (route.operation.responses ?? {}) ? String(status) : 'default',
      'content',
      type,
      'schema',
    ]
      .map(escape)
      .join('/');
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json#/${pointer}` });
      this.compiled.set(pointer, validate);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [`${where}: body is not JSON`];
    }
    if (validate(parsed)) return [];
    return [`${where}: ${this.ajv.errorsText(validate.errors, { separator: '; ' })}`];
  }
}
