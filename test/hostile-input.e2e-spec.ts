import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from './support/app';
import { bearer, login, person, type Tokens } from './support/auth';
import { concreteUrl, isStringSchema, loadOpenApi, type Operation, sampleObject, stringFieldPaths } from './support/openapi-walk';

/**
 * ARCHITECTURE.md 5b, for every route the document describes: a JSON body nested too deep
 * or too large is `400 body_too_complex`; NUL or a lone surrogate in any string is
 * `400 validation_failed` naming the field (in the body, the query and the path); never a 5xx. The cases are built from
 * docs/openapi.json at load time, so a new route is covered the day it is documented.
 */

const ADMIN_EMAIL = 'hostile.admin@example.com';
const ADMIN_PASSWORD = 'hostile-admin-passphrase-Gr3y-Heron';

const OPERATIONS = loadOpenApi();
const JSON_OPERATIONS = OPERATIONS.filter((op) => op.jsonBody !== undefined);
const stringQueryParameters = (op: Operation): string[] =>
  op.parameters.filter((p) => p.in === 'query' && isStringSchema(p.schema)).map((p) => p.name);
const pathParameters = (op: Operation): string[] => op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
const PATH_OPERATIONS = OPERATIONS.filter((op) => pathParameters(op).length > 0);
const QUERY_OPERATIONS = OPERATIONS.filter((op) => op.method === 'GET' && stringQueryParameters(op).length > 0);

/** JSON text of the hostile strings, as escapes, so they reach the server exactly like this. */
const NUL = '"a\\u0000b"';
const LONE_SURROGATE = '"a\\ud800b"';
const PLACEHOLDER = 'hostile-placeholder-7f3c1d';

/** What one request came back with, reduced to what the contract fixes. */
interface Outcome {
  case: string;
  status: number;
  server_error: boolean;
  content_type: string | undefined;
  code: unknown;
  /** `errors[].field` of the problem (validation cases only). */
  fields?: unknown;
  /** A disagreement with docs/openapi.json found by the test app's validator, else null. */
  spec_problem: string | null;
}

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const manyElements = (count: number): string => `[${Array.from({ length: count }, () => '0').join(',')}]`;

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]] = value;
}

describe('hostile input, walked over every operation of docs/openapi.json (e2e)', () => {
  let t: TestApp;
  let user: Tokens;

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
    user = (await person(t, 'hostile')).tokens;
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Sends one request and reduces the answer; a response the document does not allow is an outcome too. */
  async function send(
    label: string,
    op: Operation,
    request: { url: string; payload?: string; headers: Record<string, string> },
  ): Promise<Outcome> {
    let res: LightMyRequestResponse;
    let specProblem: string | null = null;
    try {
      res = await t.inject({ method: op.method, url: request.url, payload: request.payload, headers: request.headers });
    } catch (error) {
      // The validator threw after the request ran: say why, and look at the response again without it.
      specProblem = (error as Error).message.split('\n').slice(0, 2).join(' ');
      res = await t.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: op.method as 'GET',
          url: request.url,
          payload: request.payload,
          headers: request.headers,
        });
    }
    const contentType = res.headers['content-type']?.split(';')[0];
    let body: { code?: unknown; errors?: { field?: unknown }[] };
    try {
      body = res.json();
    } catch {
      body = { code: `<not JSON: ${res.body.slice(0, 200)}>` };
    }
    return {
      case: label,
      status: res.statusCode,
      server_error: res.statusCode >= 500,
      content_type: contentType,
      code: body.code,
      ...(Array.isArray(body.errors) ? { fields: body.errors.map((e) => e.field) } : {}),
      spec_problem: specProblem,
    };
  }

  const refused = (label: string, code: string, fields?: string[]) => ({
    case: label,
    status: 400,
    server_error: false,
    content_type: 'application/problem+json',
    code,
    ...(fields ? { fields: expect.arrayContaining(fields) } : {}),
    spec_problem: null,
  });

  it('the walk finds the documented JSON operations (so it cannot pass by walking nothing)', () => {
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(30);
    expect(JSON_OPERATIONS.length).toBeGreaterThanOrEqual(12);
    expect(JSON_OPERATIONS.map((op) => op.name)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/register',
        'POST /api/v1/auth/token',
        'POST /api/v1/projects',
        'PATCH /api/v1/support/tickets/{id}',
        'POST /api/v1/status/events',
      ]),
    );
    // Every JSON operation but a handful has string fields to poison.
    expect(JSON_OPERATIONS.filter((op) => stringFieldPaths(op.jsonBody!).length > 0).length).toBeGreaterThanOrEqual(10);
    expect(QUERY_OPERATIONS.length).toBeGreaterThanOrEqual(5);
    expect(PATH_OPERATIONS.length).toBeGreaterThanOrEqual(5);
  });

  it.each(JSON_OPERATIONS.map((op) => [op.name, op] as const))(
    '%s: too deep, too large, NUL and lone surrogates are 400, never 5xx',
    async (_name, op) => {
      // A fresh session per operation: a route that let hostile input through (logout, say) cannot spoil the next.
      const admin = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      const headers = { ...bearer(admin), 'content-type': 'application/json' };
      const url = concreteUrl(op);
      const schema = op.jsonBody!;
      const first = JSON.stringify(Object.keys(schema.properties ?? {})[0] ?? 'value');
      const outcomes: Outcome[] = [];
      const expected: unknown[] = [];

      const tooComplex: [string, string][] = [
        ['nested 100 deep, in a property', `{${first}:${nested(100)}}`],
        ['nested 100 deep, bare', nested(100)],
        ['nested 10,000 deep, in a property', `{${first}:${nested(10_000)}}`],
        ['nested 10,000 deep, bare', nested(10_000)],
        ['10,001 array elements, in a property', `{${first}:${manyElements(10_001)}}`],
        ['10,001 array elements, bare', manyElements(10_001)],
      ];
      for (const [label, payload] of tooComplex) {
        outcomes.push(await send(label, op, { url, payload, headers }));
        expected.push(refused(label, 'body_too_complex'));
      }

      for (const path of stringFieldPaths(schema)) {
        const field = path.join('.');
        const body = sampleObject(schema, path);
        setAt(body, path, PLACEHOLDER);
        const json = JSON.stringify(body);
        expect(json).toContain(`"${PLACEHOLDER}"`);
        for (const [kind, text] of [
          ['NUL', NUL],
          ['lone surrogate', LONE_SURROGATE],
        ]) {
          const label = `${kind} in ${field}`;
          outcomes.push(await send(label, op, { url, payload: json.replace(`"${PLACEHOLDER}"`, text), headers }));
          expected.push(refused(label, 'validation_failed', [field]));
        }
      }

      expect({ operation: op.name, outcomes }).toEqual({ operation: op.name, outcomes: expected });
    },
  );

  it.each(QUERY_OPERATIONS.map((op) => [op.name, op] as const))(
    '%s: NUL in a string query parameter is 400, never 5xx',
    async (_name, op) => {
      const admin = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      const outcomes: Outcome[] = [];
      const expected: unknown[] = [];
      for (const name of stringQueryParameters(op)) {
        const label = `NUL in ?${name}`;
        outcomes.push(await send(label, op, { url: concreteUrl(op, `${name}=a%00b`), headers: bearer(admin) }));
        expected.push(refused(label, 'validation_failed', [name]));
      }
      expect({ operation: op.name, outcomes }).toEqual({ operation: op.name, outcomes: expected });
    },
  );

  it.each(PATH_OPERATIONS.map((op) => [op.name, op] as const))(
    '%s: NUL in a path parameter is 400, never 5xx',
    async (_name, op) => {
      const admin = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
      const outcomes: Outcome[] = [];
      const expected: unknown[] = [];
      for (const name of pathParameters(op)) {
        const label = `NUL in {${name}}`;
        outcomes.push(await send(label, op, { url: concreteUrl(op, '', { [name]: 'a%00b' }), headers: bearer(admin) }));
        expected.push(refused(label, 'validation_failed', [name]));
      }
      expect({ operation: op.name, outcomes }).toEqual({ operation: op.name, outcomes: expected });
    },
  );

  it('refuses hostile input from an ordinary user the same way', async () => {
    const headers = { ...bearer(user), 'content-type': 'application/json' };
    const op = JSON_OPERATIONS.find((o) => o.name === 'POST /api/v1/projects')!;
    const outcomes = [
      await send('nested 10,000 deep', op, { url: concreteUrl(op), payload: `{"name":${nested(10_000)}}`, headers }),
      await send('NUL in name', op, { url: concreteUrl(op), payload: `{"name":${NUL}}`, headers }),
    ];
    expect(outcomes).toEqual([
      refused('nested 10,000 deep', 'body_too_complex'),
      refused('NUL in name', 'validation_failed', ['name']),
    ]);
  });
});
