import { DomainError, type FieldError, ValidationFailedError } from '../../../platform/http/problem';

/** The header a tenant-owned route reads the tenant from (absent: the caller's personal tenant). */
export const TENANT_HEADER = 'X-Tenant-Id';

/** The tenancy context's errors, each with the stable `code` of its problem+json body. */
export class TenancyError extends DomainError {
  /**
   * An unknown tenant, or one the caller is not a member of: the same answer, so a tenant's
   * existence is never confirmed to outsiders (platform admins included).
   */
  static tenantNotFound(): TenancyError {
    return new TenancyError('tenant_not_found', 404, 'No such tenant.');
  }

  static tenantSuspended(): TenancyError {
    return new TenancyError(
      'tenant_suspended',
      403,
      'This tenant is suspended: it can be read, but nothing in it can be changed.',
    );
  }

  static slugTaken(): TenancyError {
    return new TenancyError('slug_taken', 409, 'Another tenant already uses this slug; choose another.', {
      errors: [{ field: 'slug', code: 'slug_taken', message: 'This slug is taken.' }],
    });
  }

  /** The change would leave the tenant without an owner. */
  static lastOwner(): TenancyError {
    return new TenancyError(
      'last_owner',
      409,
      'A tenant must keep at least one owner: make another member owner first, or delete the tenant.',
    );
  }

  static memberNotFound(): TenancyError {
    return new TenancyError('member_not_found', 404, 'No such member in this tenant.');
  }

  /** The caller is a member, but their tenant role does not allow this. */
  static forbidden(detail = 'Your role in this tenant does not allow this.'): TenancyError {
    return new TenancyError('forbidden', 403, detail);
  }

  static personalTenant(): TenancyError {
    return new TenancyError('personal_tenant', 409, 'Your personal tenant cannot be deleted; it goes with your account.');
  }

  static preconditionFailed(): TenancyError {
    return new TenancyError(
      'precondition_failed',
      412,
      'The tenant has changed since the representation named in If-Match was read; fetch it again and retry.',
    );
  }

  /** A PATCH must change something: the platform's one validation error, before anything is read. */
  static emptyPatch(fields: readonly string[]): ValidationFailedError {
    const message = `Send at least one of: ${fields.join(', ')}.`;
    return new ValidationFailedError(fields.map((field): FieldError => ({ field, code: 'at_least_one_required', message })));
  }

  /** `X-Tenant-Id` was sent but is not a UUID. */
  static invalidTenantHeader(): ValidationFailedError {
    return new ValidationFailedError([{ field: TENANT_HEADER, code: 'is_uuid', message: `${TENANT_HEADER} must be a UUID` }]);
  }
}
