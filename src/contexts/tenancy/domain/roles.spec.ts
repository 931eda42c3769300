import { thrown } from '../../../../test/support/problem';
import {
  assertCan,
  assertMayChangeRole,
  assertMayRemove,
  assertOwnersRemain,
  can,
  losesOwnership,
  TENANT_ACTIONS,
  TENANT_ROLES,
  type TenantAction,
  type TenantRole,
} from './roles';

describe('tenant roles', () => {
  const grants: Record<TenantRole, TenantAction[]> = {
    owner: [...TENANT_ACTIONS],
    admin: ['read', 'rename', 'read_members', 'manage_members'],
    member: ['read', 'read_members'],
  };

  it.each(TENANT_ROLES.flatMap((role) => TENANT_ACTIONS.map((action) => [role, action] as const)))(
    '%s may %s exactly as the roles table says',
    (role, action) => {
      const allowed = grants[role].includes(action);
      expect(can(role, action)).toBe(allowed);
      const error = thrown(() => assertCan(role, action));
      if (allowed) expect(error).toBeUndefined();
      else expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    },
  );

  it('only owners configure and delete', () => {
    expect(TENANT_ROLES.filter((role) => can(role, 'configure'))).toEqual(['owner']);
    expect(TENANT_ROLES.filter((role) => can(role, 'delete'))).toEqual(['owner']);
  });
});

describe('assertMayChangeRole', () => {
  const every = TENANT_ROLES.flatMap((from) => TENANT_ROLES.map((to) => [from, to] as const));

  it.each(every)('an owner may change %s to %s', (from, to) => {
    expect(thrown(() => assertMayChangeRole('owner', from, to))).toBeUndefined();
  });

  it.each(every)('an admin changing %s to %s: allowed unless an owner is involved', (from, to) => {
    const error = thrown(() => assertMayChangeRole('admin', from, to));
    if (from === 'owner' || to === 'owner') expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    else expect(error).toBeUndefined();
  });

  it.each(every)('a member may not change %s to %s', (from, to) => {
    expect(thrown(() => assertMayChangeRole('member', from, to))).toMatchObject({ status: 403, code: 'forbidden' });
  });
});

describe('assertMayRemove', () => {
  it.each(TENANT_ROLES)('anyone may leave (a %s removing themself)', (role) => {
    expect(thrown(() => assertMayRemove(role, role, true))).toBeUndefined();
  });

  it.each(TENANT_ROLES)('an owner may remove a %s', (target) => {
    expect(thrown(() => assertMayRemove('owner', target, false))).toBeUndefined();
  });

  it('an admin may remove admins and members, not owners', () => {
    expect(thrown(() => assertMayRemove('admin', 'admin', false))).toBeUndefined();
    expect(thrown(() => assertMayRemove('admin', 'member', false))).toBeUndefined();
    expect(thrown(() => assertMayRemove('admin', 'owner', false))).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it.each(TENANT_ROLES)('a member may not remove a %s', (target) => {
    expect(thrown(() => assertMayRemove('member', target, false))).toMatchObject({ status: 403, code: 'forbidden' });
  });
});

describe('the last-owner rule', () => {
  it('says who stops being an owner', () => {
    expect(losesOwnership('owner', 'admin')).toBe(true);
    expect(losesOwnership('owner', null)).toBe(true);
    expect(losesOwnership('owner', 'owner')).toBe(false);
    expect(losesOwnership('admin', null)).toBe(false);
    expect(losesOwnership('member', 'owner')).toBe(false);
  });

  it('lets an owner go while another stays', () => {
    expect(thrown(() => assertOwnersRemain(['a', 'b'], ['a']))).toBeUndefined();
  });

  it('refuses to let the last owner go with 409 last_owner', () => {
    expect(thrown(() => assertOwnersRemain(['a'], ['a']))).toMatchObject({ status: 409, code: 'last_owner' });
    expect(thrown(() => assertOwnersRemain(['a', 'b'], ['b', 'a']))).toMatchObject({ status: 409, code: 'last_owner' });
  });

  it('compares ids case-insensitively', () => {
    expect(thrown(() => assertOwnersRemain(['ABC'], ['abc']))).toMatchObject({ code: 'last_owner' });
  });

  it('has nothing to check when no one leaves', () => {
    expect(thrown(() => assertOwnersRemain([], []))).toBeUndefined();
  });
});
