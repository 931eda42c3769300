import { type Actor, canAccess, isAdmin, listOwnerScope } from './ownership';

const alice: Actor = { id: 'a1', role: 'user' };
const root: Actor = { id: 'r1', role: 'admin' };

describe('isAdmin', () => {
  it('is true for the admin role only', () => {
    expect(isAdmin(root)).toBe(true);
    expect(isAdmin(alice)).toBe(false);
  });
});

describe('canAccess', () => {
  it('lets a user reach their own resources only', () => {
    expect(canAccess(alice, 'a1')).toBe(true);
    expect(canAccess(alice, 'b2')).toBe(false);
  });

  it('lets an admin reach everyone’s, their own included', () => {
    expect(canAccess(root, 'a1')).toBe(true);
    expect(canAccess(root, 'b2')).toBe(true);
    expect(canAccess(root, 'r1')).toBe(true);
  });
});

describe('listOwnerScope', () => {
  it('restricts a user to their own items, whether or not they filter by themselves', () => {
    expect(listOwnerScope(alice)).toEqual({ ownerIds: ['a1'] });
    expect(listOwnerScope(alice, 'a1')).toEqual({ ownerIds: ['a1'] });
  });

  it('gives a user who asks for someone else’s items nothing (not an error, not their items)', () => {
    expect(listOwnerScope(alice, 'b2')).toEqual({ ownerIds: [] });
  });

  it('does not restrict an admin, unless they filter by owner', () => {
    expect(listOwnerScope(root)).toBeNull();
    expect(listOwnerScope(root, 'a1')).toEqual({ ownerIds: ['a1'] });
  });
});
