import { erasedEmail, isCancellableBySignIn } from './account-closure';

const ID = '6f1c2a4e-8b3d-4f0a-9c7e-1d2b3c4d5e6f';
const NOW = new Date('2026-12-03T12:00:00Z');
const later = new Date(NOW.getTime() + 60_000);
const earlier = new Date(NOW.getTime() - 60_000);

describe('isCancellableBySignIn', () => {
  const closedByOwner = { id: ID, erasedAt: null, deletionDueAt: later, deletionRequestedBy: ID };

  it('reopens an account its owner closed, during the grace period', () => {
    expect(isCancellableBySignIn(closedByOwner, NOW)).toBe(true);
    expect(isCancellableBySignIn({ ...closedByOwner, deletionRequestedBy: ID.toUpperCase() }, NOW)).toBe(true);
  });

  it('does not reopen an account an admin closed', () => {
    expect(isCancellableBySignIn({ ...closedByOwner, deletionRequestedBy: '0a1b2c3d-0000-4000-8000-000000000000' }, NOW)).toBe(
      false,
    );
  });

  it('does not reopen once the grace period is over, or after erasure, or an open account', () => {
    expect(isCancellableBySignIn({ ...closedByOwner, deletionDueAt: earlier }, NOW)).toBe(false);
    expect(isCancellableBySignIn({ ...closedByOwner, deletionDueAt: NOW }, NOW)).toBe(false);
    expect(isCancellableBySignIn({ ...closedByOwner, erasedAt: earlier }, NOW)).toBe(false);
    expect(isCancellableBySignIn({ ...closedByOwner, deletionDueAt: null, deletionRequestedBy: null }, NOW)).toBe(false);
  });
});

describe('erasedEmail', () => {
  it('is unique per account and undeliverable', () => {
    expect(erasedEmail(ID.toUpperCase())).toBe(`${ID}@erased.invalid`);
  });
});
