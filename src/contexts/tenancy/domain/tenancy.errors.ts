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

  /** `mfa_required`: the caller's account has no MFA, and this tenant requires it. */
  static mfaRequired(): TenancyError {
    return new TenancyError(
      'tenant_mfa_required',
      403,
      'This organisation requires two-factor authentication: turn on MFA for your account, then try again.',
    );
  }

  /** `session_max_age`: the caller signed in longer ago than this tenant allows. */
  static sessionTooOld(maxAgeSeconds: number): TenancyError {
    return new TenancyError(
      'tenant_session_too_old',
      401,
      `This organisation accepts sessions for ${maxAgeSeconds} seconds after sign-in: sign in again.`,
      { extensions: { session_max_age: maxAgeSeconds } },
    );
  }

  static slugTaken(): TenancyError {
    return new TenancyError('slug_taken', 409, 'Another tenant already uses this slug; choose another.', {
      errors: [{ field: 'slug', code: 'slug_taken', message: 'This slug is taken.' }],
    });
  }

  /** Closing an account that is the last owner of organisations with other members. */
  static lastOwnerClosing(slugs: string[]): TenancyError {
    return new TenancyError(
      'last_owner',
      409,
      `You are the last owner of ${slugs.join(', ')}: make another member owner, or delete the organisation, first.`,
    );
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

  /** Inviting into a personal tenant, or accepting such an invitation: its owner is its only member. */
  static personalTenantClosed(): TenancyError {
    return new TenancyError(
      'personal_tenant',
      409,
      'A personal tenant has one member, its owner: nobody can join it. Create an organisation to work with others.',
    );
  }

  /** Demoting or removing the owner of a personal tenant, or making someone else its owner. */
  static personalTenantOwner(): TenancyError {
    return new TenancyError(
      'personal_tenant',
      409,
      'A personal tenant keeps its owner as its only owner: they cannot be demoted or removed, and nobody else can be made owner.',
    );
  }

  static preconditionFailed(): TenancyError {
    return new TenancyError(
      'precondition_failed',
      412,
      'The tenant has changed since the representation named in If-Match was read; fetch it again and retry.',
    );
  }

  static invitationNotFound(): TenancyError {
    return new TenancyError('invitation_not_found', 404, 'No such invitation in this tenant.');
  }

  /** The address invited already belongs to a member of the tenant. */
  static alreadyMember(): TenancyError {
    return new TenancyError('already_member', 409, 'This address already belongs to a member of the tenant.', {
      errors: [{ field: 'email', code: 'already_member', message: 'A member of the tenant has this address.' }],
    });
  }

  /** Accepting while already a member of the invitation's tenant (the invitation stays as it is). */
  static alreadyMemberOfTenant(tenantId: string): TenancyError {
    return new TenancyError('already_member', 409, 'You are already a member of this tenant.', {
      extensions: { tenant_id: tenantId },
    });
  }

  /** Revoking an invitation that was accepted: remove the member instead. */
  static invitationAccepted(): TenancyError {
    return new TenancyError(
      'invitation_accepted',
      409,
      'This invitation has been accepted; to undo it, remove the member instead.',
    );
  }

  /**
   * The invitation was sent to another address than the caller's account. The token is not
   * spent: its addressee can still use it.
   */
  static invitationEmailMismatch(): TenancyError {
    return new TenancyError(
      'invitation_email_mismatch',
      403,
      'This invitation was sent to another e-mail address: sign in with the account of that address to accept it.',
    );
  }

  /**
   * An invitation token that is unknown, spent, revoked or expired: the same answer for each,
   * with the code identity's one-time links use.
   */
  static invalidToken(): TenancyError {
    return new TenancyError('invalid_token', 400, 'This invitation link is invalid or has expired; ask for a new one.', {
      errors: [{ field: 'token', code: 'invalid_token', message: 'The token is unknown, already used, revoked or expired.' }],
    });
  }

  /** The change would take the tenant past one of its quotas; the problem carries `quota`, `limit` and `usage`. */
  static quotaExceeded(breach: { quota: string; limit: number; usage: number }): TenancyError {
    return new TenancyError(
      'quota_exceeded',
      403,
      `The tenant has reached its ${breach.quota} quota (${breach.usage} of ${breach.limit}).`,
      { extensions: { quota: breach.quota, limit: breach.limit, usage: breach.usage } },
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
