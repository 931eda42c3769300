import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateOpenApi } from '../scripts/openapi';

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('docs/openapi.json', () => {
  let generated: string;
  let operations: [string, Operation][];

  beforeAll(async () => {
    generated = await generateOpenApi();
    const doc = JSON.parse(generated) as { paths: Record<string, Record<string, Operation>> };
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
    );
  });

  it('is exactly what the code generates (run `npm run openapi` after API changes)', () => {
    const committed = readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8');
    expect(generated).toBe(committed);
  });

  it('is deterministic', async () => {
    expect(await generateOpenApi()).toBe(generated);
  });

  it('gives every operation an operationId, a summary and a tag', () => {
    const missing = operations.filter(([, op]) => !op.operationId || !op.summary || !op.tags?.length).map(([name]) => name);
    expect(missing).toEqual([]);
    const ids = operations.map(([, op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares security on every operation: bearer for protected ones, an explicit [] for public ones', () => {
    expect(operations.filter(([, op]) => !Array.isArray(op.security)).map(([name]) => name)).toEqual([]);
    const publicOps = operations.filter(([, op]) => op.security!.length === 0).map(([name]) => name);
    expect(publicOps.sort()).toEqual(
      [
        'GET /.well-known/jwks.json',
        'GET /.well-known/openid-configuration',
        'GET /api/v1/status',
        'GET /api/v1/status/stream',
        'GET /health/live',
        'GET /health/ready',
        'POST /api/v1/auth/email/change/confirm',
        'POST /api/v1/auth/email/verification',
        'POST /api/v1/auth/email/verify',
        'POST /api/v1/auth/invitations/accept',
        'POST /api/v1/auth/passkeys/authentication',
        'POST /api/v1/auth/passkeys/authentication/options',
        'POST /api/v1/auth/password/forgot',
        'POST /api/v1/auth/password/reset',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/auth/register',
        'POST /api/v1/auth/token',
        'POST /api/v1/security/csp-report',
      ].sort(),
    );
  });

  it('documents error responses as problem+json, and at least one 4xx on every API operation', () => {
    const wrong: string[] = [];
    for (const [name, op] of operations) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (Number(status) >= 400 && !response.content?.['application/problem+json']) wrong.push(`${name} ${status}`);
      }
      if (name.includes('/api/v1/') && !Object.keys(op.responses ?? {}).some((s) => s.startsWith('4')))
        wrong.push(`${name}: no 4xx`);
    }
    expect(wrong).toEqual([]);
  });
});
