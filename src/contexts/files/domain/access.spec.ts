import { canAccess, listOwnerScope } from './access';

const alice = { id: 'alice', role: 'user' as const };
const admin = { id: 'root', role: 'admin' as const };

describe('file access', () => {
  it('lets a user reach only their own files, an admin everyone’s', () => {
    expect(canAccess(alice, 'alice')).toBe(true);
    expect(canAccess(alice, 'bob')).toBe(false);
    expect(canAccess(admin, 'bob')).toBe(true);
  });

  it('scopes a user’s list to themselves whatever they ask for', () => {
    expect(listOwnerScope(alice)).toEqual({ ownerIds: ['alice'] });
    expect(listOwnerScope(alice, 'alice')).toEqual({ ownerIds: ['alice'] });
    expect(listOwnerScope(alice, 'bob')).toEqual({ ownerIds: [] });
  });

  it('lets an admin list everyone’s or one owner’s', () => {
    expect(listOwnerScope(admin)).toBeNull();
    expect(listOwnerScope(admin, 'bob')).toEqual({ ownerIds: ['bob'] });
  });
});
