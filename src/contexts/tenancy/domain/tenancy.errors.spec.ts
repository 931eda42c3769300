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
    [TenancyError.preconditionFailed(), 412, 'precondition_failed'],
  ])('%p is a %p %p', (error, status, code) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(TenancyError);
    expect(error).toMatchObject({ status, code });
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('slug_taken names the slug field', () => {
    expect(TenancyError.slugTaken().options.errors).toEqual([expect.objectContaining({ field: 'slug', code: 'slug_taken' })]);
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
