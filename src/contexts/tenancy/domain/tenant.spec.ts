import { DomainError } from '../../../platform/http/problem';
import { DEFAULT_QUOTAS } from './quotas';
import { DEFAULT_SETTINGS } from './settings';
import { assertActive, parseAdminTenantPatch, parseTenantPatch, planAdminTenantPatch, planTenantPatch } from './tenant';

function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

const current = { name: 'Acme', settings: { ...DEFAULT_SETTINGS } };

describe('tenant status', () => {
  it('lets an active tenant change and refuses a suspended one with 403 tenant_suspended', () => {
    expect(() => assertActive('active')).not.toThrow();
    expect(thrown(() => assertActive('suspended'))).toMatchObject({ status: 403, code: 'tenant_suspended' });
  });
});

describe('parseTenantPatch', () => {
  it('refuses an empty patch naming name and settings', () => {
    const error = thrown(() => parseTenantPatch({}));
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(error.options.errors?.map((e) => e.field)).toEqual(['name', 'settings']);
  });

  it('parses the settings it carries', () => {
    expect(parseTenantPatch({ name: 'X', settings: { mfa_required: true } })).toEqual({
      name: 'X',
      settings: { mfa_required: true },
    });
    expect(thrown(() => parseTenantPatch({ settings: { mfa_required: 'x' } })).code).toBe('validation_failed');
  });
});

describe('planTenantPatch', () => {
  it('lets owners and admins rename', () => {
    expect(planTenantPatch('owner', current, { name: 'Acme Ltd' })).toEqual({ name: 'Acme Ltd', fields: ['name'] });
    expect(planTenantPatch('admin', current, { name: 'Acme Ltd' })).toEqual({ name: 'Acme Ltd', fields: ['name'] });
  });

  it('refuses members anything, and admins the settings, even when nothing would change', () => {
    expect(thrown(() => planTenantPatch('member', current, { name: 'Acme' }))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(thrown(() => planTenantPatch('admin', current, { settings: {} }))).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('lets owners configure, naming each changed setting', () => {
    expect(planTenantPatch('owner', current, { settings: { mfa_required: true, session_max_age: null } })).toEqual({
      settings: { ...DEFAULT_SETTINGS, mfa_required: true },
      fields: ['settings.mfa_required'],
    });
  });

  it('plans nothing for values already so', () => {
    expect(planTenantPatch('owner', current, { name: 'Acme', settings: { mfa_required: false } })).toEqual({ fields: [] });
  });
});

describe('platform admin changes', () => {
  const tenant = { status: 'active' as const, quotas: { ...DEFAULT_QUOTAS } };

  it('refuses an empty patch naming status and quotas', () => {
    expect(thrown(() => parseAdminTenantPatch({})).options.errors?.map((e) => e.field)).toEqual(['status', 'quotas']);
  });

  it('parses quotas', () => {
    expect(parseAdminTenantPatch({ status: 'suspended', quotas: { max_members: 3 } })).toEqual({
      status: 'suspended',
      quotas: { max_members: 3 },
    });
    expect(thrown(() => parseAdminTenantPatch({ quotas: { max_members: 0 } })).code).toBe('validation_failed');
  });

  it('plans a status change and a quotas change', () => {
    expect(planAdminTenantPatch(tenant, { status: 'suspended', quotas: { max_members: 3 } })).toEqual({
      status: { from: 'active', to: 'suspended' },
      quotas: { next: { ...DEFAULT_QUOTAS, max_members: 3 }, changed: ['max_members'] },
    });
  });

  it('plans nothing for values already so', () => {
    expect(planAdminTenantPatch(tenant, { status: 'active', quotas: { max_members: null } })).toEqual({});
  });
});
