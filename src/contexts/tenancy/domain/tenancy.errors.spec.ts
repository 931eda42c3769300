import { DomainError, ValidationFailedError } from '../../../platform/http/problem';
import { TenancyError } from './tenancy.errors';

describe('TenancyError', () => {
  it.each([
    [TenancyError.tenantNotFound(), 404, 'tenant_not_found'],
    [TenancyError.tenantSuspended(), 403, 'tenant_suspended'],
    [TenancyError.slugTaken(), 409, 'slug_taken'],
    [TenancyError.lastOwner(), 409, 'last_owner'],
    [TenancyError.memberNotFound(), 404, 'member_not_found'],
    [TenancyError.forbidden(), 403, 'forbidden'],
    [TenancyError.personalTenant(), 409, 'personal_tenant'],
    [TenancyError.personalTenantClosed(), 409, 'personal_tenant'],
    [TenancyError.personalTenantOwner(), 409, 'personal_tenant'],
    [TenancyError.preconditionFailed(), 412, 'precondition_failed'],
    [TenancyError.invitationNotFound(), 404, 'invitation_not_found'],
    [TenancyError.alreadyMember(), 409, 'already_member'],
    [TenancyError.alreadyMemberOfTenant('t-1'), 409, 'already_member'],
    [TenancyError.mfaRequired(), 403, 'tenant_mfa_required'],
    [TenancyError.sessionTooOld(3600), 401, 'tenant_session_too_old'],
    [TenancyError.invitationAccepted(), 409, 'invitation_accepted'],
    [TenancyError.invitationEmailMismatch(), 403, 'invitation_email_mismatch'],
    [TenancyError.invalidToken(), 400, 'invalid_token'],
    [TenancyError.quotaExceeded({ quota: 'max_members', limit: 3, usage: 3 }), 403, 'quota_exceeded'],
  ])('%p is a %p %p', (error, status, code) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(TenancyError);
    expect(error).toMatchObject({ status, code });
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('slug_taken names the slug field', () => {
    expect(TenancyError.slugTaken().options.errors).toEqual([expect.objectContaining({ field: 'slug', code: 'slug_taken' })]);
  });

  it('invalid_token names the token field, like identity’s one-time links', () => {
    expect(TenancyError.invalidToken().options.errors).toEqual([
      expect.objectContaining({ field: 'token', code: 'invalid_token' }),
    ]);
  });

  it('a bad X-Tenant-Id is the platform’s one validation error, naming the header', () => {
    const error = TenancyError.invalidTenantHeader();
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect(error.options.errors).toEqual([expect.objectContaining({ field: 'X-Tenant-Id', code: 'is_uuid' })]);
  });

  it('an empty patch lists every writable field', () => {
    const error = TenancyError.emptyPatch(['a', 'b']);
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect(error.options.errors?.map((e) => e.code)).toEqual(['at_least_one_required', 'at_least_one_required']);
  });
});
