import { DomainError, ValidationFailedError } from '../../../platform/http/problem';
import { WorkspaceError } from './workspace.errors';

describe('WorkspaceError', () => {
  it.each([
    ['project', 'project_not_found'],
    ['ticket', 'ticket_not_found'],
    ['post', 'post_not_found'],
  ] as const)('notFound(%p) is a 404 %p', (resource, code) => {
    const error = WorkspaceError.notFound(resource);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 404, code });
  });

  it('preconditionFailed is a 412 precondition_failed', () => {
    expect(WorkspaceError.preconditionFailed()).toMatchObject({ status: 412, code: 'precondition_failed' });
  });

  it('emptyPatch is the one 400 validation_failed, naming every writable field', () => {
    const error = WorkspaceError.emptyPatch(['name', 'status']);
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'The request has invalid fields.' });
    expect(error.options.errors).toEqual([
      { field: 'name', code: 'at_least_one_required', message: 'Send at least one of: name, status.' },
      { field: 'status', code: 'at_least_one_required', message: 'Send at least one of: name, status.' },
    ]);
  });

  it('invalidTransition names the allowed next statuses, or says the status is final', () => {
    expect(WorkspaceError.invalidTransition('resolved', 'in_progress', ['open', 'closed']).message).toContain('open, closed');
    expect(WorkspaceError.invalidTransition('closed', 'open', []).message).toContain('closed is final');
  });
});
