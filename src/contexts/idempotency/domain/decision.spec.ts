import { decideIdempotency, isFinalOutcome, replayableHeaders, type StoredAttempt } from './decision';

const now = new Date('2026-06-01T12:00:00Z');
const LOCK = 60_000;
const FP = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

function attempt(overrides: Partial<StoredAttempt> = {}): StoredAttempt {
  return {
    fingerprint: FP,
    status: 'completed',
    lockedAt: new Date(now.getTime() - 5_000),
    expiresAt: new Date(now.getTime() + 3_600_000),
    ...overrides,
  };
}

const decide = (stored: StoredAttempt | null, fingerprint = FP) =>
  decideIdempotency({ stored, fingerprint, now, lockTimeoutMs: LOCK });

describe('decideIdempotency', () => {
  it('runs the handler when there is no row', () => {
    expect(decide(null)).toEqual({ kind: 'new' });
  });

  it('replays a completed attempt of the same request', () => {
    expect(decide(attempt())).toEqual({ kind: 'replay' });
  });

  it('refuses the key for a different request, completed or still running', () => {
    expect(decide(attempt(), OTHER)).toEqual({ kind: 'mismatch' });
    expect(decide(attempt({ status: 'in_progress' }), OTHER)).toEqual({ kind: 'mismatch' });
  });

  it('reports a fresh in-progress attempt of the same request as in progress', () => {
    expect(decide(attempt({ status: 'in_progress', lockedAt: now }))).toEqual({ kind: 'in_progress' });
    expect(decide(attempt({ status: 'in_progress', lockedAt: new Date(now.getTime() - LOCK + 1) }))).toEqual({
      kind: 'in_progress',
    });
  });

  it('takes over an in-progress attempt that has held the lock for the whole lock timeout', () => {
    expect(decide(attempt({ status: 'in_progress', lockedAt: new Date(now.getTime() - LOCK) }))).toEqual({
      kind: 'take_over',
      reason: 'abandoned',
    });
    expect(decide(attempt({ status: 'in_progress', lockedAt: new Date(now.getTime() - 10 * LOCK) }))).toEqual({
      kind: 'take_over',
      reason: 'abandoned',
    });
  });

  it('never takes over a completed attempt because of its lock age', () => {
    expect(decide(attempt({ lockedAt: new Date(now.getTime() - 10 * LOCK) }))).toEqual({ kind: 'replay' });
  });

  it('still refuses a different request on an abandoned attempt (its side effects may have happened)', () => {
    expect(decide(attempt({ status: 'in_progress', lockedAt: new Date(now.getTime() - 10 * LOCK) }), OTHER)).toEqual({
      kind: 'mismatch',
    });
  });

  it('forgets an expired key whatever it holds, even before the cleanup job deleted it', () => {
    for (const stored of [
      attempt({ expiresAt: now }),
      attempt({ expiresAt: new Date(now.getTime() - 1) }),
      attempt({ expiresAt: now, status: 'in_progress', lockedAt: now }),
    ]) {
      expect(decide(stored)).toEqual({ kind: 'take_over', reason: 'expired' });
      expect(decide(stored, OTHER)).toEqual({ kind: 'take_over', reason: 'expired' });
    }
  });

  it('keeps a key that expires one millisecond from now', () => {
    expect(decide(attempt({ expiresAt: new Date(now.getTime() + 1) }))).toEqual({ kind: 'replay' });
  });
});

describe('isFinalOutcome', () => {
  it.each([200, 201, 202, 204, 301, 304, 400, 401, 403, 404, 409, 412, 415, 422])('stores %p', (status) => {
    expect(isFinalOutcome(status)).toBe(true);
  });

  it.each([408, 429, 500, 502, 503, 504])('releases the key on %p so the client can retry', (status) => {
    expect(isFinalOutcome(status)).toBe(false);
  });
});

describe('replayableHeaders', () => {
  it('keeps representation headers and drops per-request ones', () => {
    expect(
      replayableHeaders({
        'Content-Type': 'application/json; charset=utf-8',
        Location: '/api/v1/projects/1',
        etag: '"abc"',
        'x-request-id': 'r-1',
        'set-cookie': ['a=b'],
        'x-ratelimit-remaining': 4,
        'retry-after': '3',
      }),
    ).toEqual({ 'content-type': 'application/json; charset=utf-8', location: '/api/v1/projects/1', etag: '"abc"' });
  });

  it('turns numbers and repeated values into strings and skips empty ones', () => {
    expect(replayableHeaders({ link: ['<a>; rel="x"', '<b>; rel="y"'], 'last-modified': undefined, etag: null })).toEqual({
      link: '<a>; rel="x", <b>; rel="y"',
    });
  });
});
