import {
  attemptAllowed,
  canTransition,
  decideAfterAttempt,
  isFinal,
  NOTIFICATION_STATUSES,
  type NotificationStatus,
} from './delivery';

const backoff = { baseMs: 1_000, maxMs: 60_000 };
const now = new Date('2026-11-23T10:00:00.000Z');

describe('notification state transitions', () => {
  it.each([
    ['pending', 'sending', true],
    ['pending', 'sent', false],
    ['pending', 'failed', false],
    ['sending', 'sent', true],
    ['sending', 'pending', true],
    ['sending', 'failed', true],
    ['sending', 'sending', true],
    ['sent', 'pending', false],
    ['sent', 'sending', false],
    ['failed', 'pending', false],
    ['failed', 'sending', false],
  ] as const)('%s → %s allowed: %p', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });

  it('sent and failed are final, and nothing leaves them', () => {
    expect(NOTIFICATION_STATUSES.filter(isFinal)).toEqual(['sent', 'failed']);
    for (const to of NOTIFICATION_STATUSES) {
      expect(canTransition('sent', to)).toBe(false);
      expect(canTransition('failed', to)).toBe(false);
    }
  });
});

describe('decideAfterAttempt', () => {
  const decide = (attempt: number, outcome: Parameters<typeof decideAfterAttempt>[0]['outcome'], maxAttempts = 5) =>
    decideAfterAttempt({ attempt, maxAttempts, outcome, now, backoff, random: () => 0 });

  it('a success is sent, whatever the attempt', () => {
    expect(decide(1, { ok: true })).toEqual({ status: 'sent' });
    expect(decide(5, { ok: true })).toEqual({ status: 'sent' });
  });

  it('a transient failure is retried after the backoff delay, from now', () => {
    expect(decide(1, { ok: false, retryable: true })).toEqual({
      status: 'pending',
      delayMs: 500,
      nextAttemptAt: new Date(now.getTime() + 500),
    });
    expect(decide(3, { ok: false, retryable: true })).toMatchObject({ status: 'pending', delayMs: 2_000 });
  });

  it('a transient failure with Retry-After waits at least that long', () => {
    expect(decide(1, { ok: false, retryable: true, retryAfterMs: 30_000 })).toMatchObject({ status: 'pending', delayMs: 30_000 });
  });

  it('a permanent failure fails at once, even on the first attempt', () => {
    expect(decide(1, { ok: false, retryable: false })).toEqual({ status: 'failed', reason: 'permanent_error' });
  });

  it('the last allowed attempt failing transiently fails with max_attempts', () => {
    expect(decide(4, { ok: false, retryable: true })).toMatchObject({ status: 'pending' });
    expect(decide(5, { ok: false, retryable: true })).toEqual({ status: 'failed', reason: 'max_attempts' });
    expect(decide(1, { ok: false, retryable: true }, 1)).toEqual({ status: 'failed', reason: 'max_attempts' });
  });

  it('only moves a sending message to states its transitions allow', () => {
    const outcomes = [{ ok: true }, { ok: false, retryable: true }, { ok: false, retryable: false }] as const;
    for (const outcome of outcomes) {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const next: NotificationStatus = decide(attempt, outcome).status;
        expect(canTransition('sending', next)).toBe(true);
      }
    }
  });

  it('a claim past the maximum (its predecessor was abandoned) may not send', () => {
    expect(attemptAllowed(5, 5)).toBe(true);
    expect(attemptAllowed(6, 5)).toBe(false);
  });
});
