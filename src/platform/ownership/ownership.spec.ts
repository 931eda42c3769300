import { type Actor, canChange } from './ownership';

describe('canChange', () => {
  const owner = 'u-1';
  const other = 'u-2';

  it('lets a member change their own item and nobody else’s', () => {
    const member: Actor = { id: owner, tenantRole: 'member' };
    expect(canChange(member, owner)).toBe(true);
    expect(canChange(member, other)).toBe(false);
  });

  it.each(['admin', 'owner'] as const)('lets a tenant %s change every item', (tenantRole) => {
    const actor: Actor = { id: owner, tenantRole };
    expect(canChange(actor, owner)).toBe(true);
    expect(canChange(actor, other)).toBe(true);
  });
});
