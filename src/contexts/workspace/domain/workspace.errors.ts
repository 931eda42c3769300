import { DomainError, type FieldError, ValidationFailedError } from '../../../platform/http/problem';

export type WorkspaceResource = 'project' | 'ticket' | 'post';

const NOUN: Record<WorkspaceResource, string> = { project: 'project', ticket: 'support ticket', post: 'community post' };

/** The workspace context's errors, each with the stable `code` of its problem+json body. */
export class WorkspaceError extends DomainError {
  /** Unknown id, or one the caller may not see: the same answer, so ids do not leak. */
  static notFound(resource: WorkspaceResource): WorkspaceError {
    return new WorkspaceError(`${resource}_not_found`, 404, `No such ${NOUN[resource]}.`);
  }

  /** A member changing someone else's item: they can read it, so saying 404 would be a lie. */
  static notYours(resource: WorkspaceResource): WorkspaceError {
    return new WorkspaceError(
      'forbidden',
      403,
      `Only its owner and the tenant's admins and owners may change this ${NOUN[resource]}.`,
    );
  }

  static preconditionFailed(): WorkspaceError {
    return new WorkspaceError(
      'precondition_failed',
      412,
      'The resource has changed since the representation named in If-Match was read; fetch it again and retry.',
    );
  }

  /**
   * A PATCH must change something: at least one of the writable fields. The platform's one
   * validation error (not a `WorkspaceError`), refused before anything changed.
   */
  static emptyPatch(fields: readonly string[]): ValidationFailedError {
    const message = `Send at least one of: ${fields.join(', ')}.`;
    return new ValidationFailedError(fields.map((field): FieldError => ({ field, code: 'at_least_one_required', message })));
  }

  static invalidTransition(from: string, to: string, allowed: readonly string[]): WorkspaceError {
    const next = allowed.length > 0 ? `allowed from ${from}: ${allowed.join(', ')}` : `${from} is final`;
    return new WorkspaceError('invalid_status_transition', 409, `A ticket cannot go from ${from} to ${to} (${next}).`, {
      errors: [{ field: 'status', code: 'invalid_transition', message: `Cannot change status from ${from} to ${to}.` }],
      extensions: { from, to, allowed: [...allowed] },
    });
  }

  static ticketClosed(): WorkspaceError {
    return new WorkspaceError('ticket_closed', 409, 'The ticket is closed and can no longer be changed; open a new one.');
  }
}
