import { accountStatus } from './user-view';

const AT = new Date('2026-12-01T00:00:00Z');
const open = { isActive: true, invitedAt: null, deletionDueAt: null, erasedAt: null, passwordChangedAt: null, lastLoginAt: null };

describe('accountStatus', () => {
  it('tells the five states apart', () => {
    expect(accountStatus(open)).toBe('active');
    expect(accountStatus({ ...open, isActive: false })).toBe('inactive');
    expect(accountStatus({ ...open, isActive: false, invitedAt: AT })).toBe('invited');
    expect(accountStatus({ ...open, isActive: false, deletionDueAt: AT })).toBe('deletion_pending');
    expect(accountStatus({ ...open, isActive: false, erasedAt: AT, deletionDueAt: AT })).toBe('erased');
  });

  it('an accepted invitation that an admin deactivated later is inactive, not invited', () => {
    expect(accountStatus({ ...open, isActive: false, invitedAt: AT, passwordChangedAt: AT })).toBe('inactive');
    expect(accountStatus({ ...open, isActive: false, invitedAt: AT, lastLoginAt: AT })).toBe('inactive');
  });
});
