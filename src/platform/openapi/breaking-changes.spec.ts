import { breakingChanges, unacknowledged } from './breaking-changes';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures are edited freely by path
type Json = any;

function spec(mutate: (s: Json) => void = () => undefined): Json {
  const s: Json = {
    openapi: '3.0.0',
    info: { title: 'Bastion', version: '0.1.0' },
    paths: {
      '/api/v1/projects': {
        get: {
          responses: {
            200: {
              description: 'ok',
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
                },
              },
            },
          },
        },
        post: {
          requestBody: {
            content: {
              'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
            },
          },
          responses: { 201: { description: 'created' } },
        },
      },
      '/api/v1/status': { get: { responses: { 200: { description: 'ok' } } } },
    },
  };
  mutate(s);
  return s;
}

describe('OpenAPI breaking-change check', () => {
  it('finds nothing between equal documents, and nothing for additions', () => {
    expect(breakingChanges(spec(), spec())).toEqual([]);
    const added = spec((s) => {
      s.paths['/api/v1/files'] = { get: { responses: { 200: { description: 'ok' } } } };
      s.paths['/api/v1/projects'].get.responses[200].content['application/json'].schema.properties.extra = { type: 'string' };
      s.paths['/api/v1/projects'].post.requestBody.content['application/json'].schema.properties.description = { type: 'string' };
    });
    expect(breakingChanges(spec(), added)).toEqual([]);
  });

  it('flags a removed operation, a removed response field, a new required request field and a changed type', () => {
    const after = spec((s) => {
      delete s.paths['/api/v1/status'];
      delete s.paths['/api/v1/projects'].get.responses[200].content['application/json'].schema.properties.name;
      const body = s.paths['/api/v1/projects'].post.requestBody.content['application/json'].schema;
      body.properties.owner = { type: 'string' };
      body.required.push('owner');
      s.paths['/api/v1/projects'].get.responses[200].content['application/json'].schema.properties.id = { type: 'integer' };
    });
    const found = breakingChanges(spec(), after).map((c) => c.path);
    expect(found).toEqual(
      expect.arrayContaining([
        'paths./api/v1/status.get',
        expect.stringMatching(/properties\.name$/),
        expect.stringMatching(/required/),
        expect.stringMatching(/properties\.id/),
      ]),
    );
  });

  it('lets a change through once docs/api-changes.md names it, or when the major version goes up', () => {
    const after = spec((s) => delete s.paths['/api/v1/status']);
    const [change] = unacknowledged(spec(), after, '');
    expect(change.description).toMatch(/status/);
    expect(unacknowledged(spec(), after, `## 0.2.0\n- ${change.description}: replaced by /api/v1/health\n`)).toEqual([]);
    expect(
      unacknowledged(
        spec(),
        spec((s) => ((s.info.version = '1.0.0'), delete s.paths['/api/v1/status'])),
        '',
      ),
    ).toEqual([]);
  });
});
