import { describeDrift } from './drift';

const base = {
  openapi: '3.0.0',
  info: { title: 'Bastion', version: '1' },
  paths: {
    '/api/v1/projects': { get: { summary: 'List' }, post: { summary: 'Create' } },
    '/api/v1/projects/{id}': { get: { summary: 'Get' }, parameters: [{ name: 'id' }] },
  },
  components: { schemas: { ProjectDto: { type: 'object' }, PageDto: { type: 'object' } } },
};

const clone = (): typeof base => structuredClone(base);

describe('describeDrift', () => {
  it('is empty for equal documents', () => {
    expect(describeDrift(base, clone())).toEqual([]);
  });

  it('names changed, added and removed operations by method and path', () => {
    const next = clone() as unknown as { paths: Record<string, Record<string, unknown>> };
    next.paths['/api/v1/projects'].post = { summary: 'Create a project' };
    delete next.paths['/api/v1/projects/{id}'].get;
    next.paths['/api/v1/projects/{id}'].delete = { summary: 'Delete' };
    next.paths['/api/v1/tickets'] = { get: { summary: 'Tickets' } };
    expect(describeDrift(base, next)).toEqual([
      'POST /api/v1/projects',
      'DELETE /api/v1/projects/{id}',
      'GET /api/v1/projects/{id}',
      'GET /api/v1/tickets',
    ]);
  });

  it('names a path-level change that is not an operation, each schema, and other top-level parts', () => {
    const next = clone() as unknown as typeof base & { tags: unknown[] };
    next.paths['/api/v1/projects/{id}'].parameters = [{ name: 'project_id' }];
    next.components.schemas.ProjectDto = { type: 'object', required: ['id'] } as never;
    delete (next.components.schemas as Record<string, unknown>).PageDto;
    next.info.version = '2';
    next.tags = [{ name: 'projects' }];
    expect(describeDrift(base, next)).toEqual([
      'components.schemas.PageDto',
      'components.schemas.ProjectDto',
      'info',
      'paths./api/v1/projects/{id}',
      'tags',
    ]);
  });

  it('treats a missing or non-object document as empty', () => {
    expect(describeDrift(null, { info: {} })).toEqual(['info']);
  });
});
