import { thrown } from '../../../../test/support/problem';
import { assertAdmitsMembers, assertKeepsPersonalOwner } from './personal-tenant';

const OWNER = '0f6c2d4e-1a2b-4c3d-8e9f-000000000001';
const OTHER = '0f6c2d4e-1a2b-4c3d-8e9f-000000000002';

describe('the personal tenant', () => {
  it('admits nobody: 409 personal_tenant; a shared tenant admits members', () => {
    expect(thrown(() => assertAdmitsMembers(OWNER))).toMatchObject({ status: 409, code: 'personal_tenant' });
    expect(thrown(() => assertAdmitsMembers(null))).toBeUndefined();
  });

  it.each([
    ['demoting its owner to admin', OWNER, 'admin'],
    ['demoting its owner to member', OWNER, 'member'],
    ['removing its owner', OWNER, null],
    ['removing its owner, whatever the case of the id', OWNER.toUpperCase(), null],
    ['making another member owner', OTHER, 'owner'],
  ] as const)('refuses %s: 409 personal_tenant', (_label, userId, to) => {
    expect(thrown(() => assertKeepsPersonalOwner(OWNER, userId, to))).toMatchObject({ status: 409, code: 'personal_tenant' });
  });

  it.each([
    ['keeping its owner owner', OWNER, 'owner'],
    ['removing another member (let in by an earlier version)', OTHER, null],
    ['moving another member between admin and member', OTHER, 'member'],
  ] as const)('allows %s', (_label, userId, to) => {
    expect(thrown(() => assertKeepsPersonalOwner(OWNER, userId, to))).toBeUndefined();
  });

  it('leaves shared tenants to the other rules', () => {
    expect(thrown(() => assertKeepsPersonalOwner(null, OWNER, null))).toBeUndefined();
    expect(thrown(() => assertKeepsPersonalOwner(null, OTHER, 'owner'))).toBeUndefined();
  });
});
