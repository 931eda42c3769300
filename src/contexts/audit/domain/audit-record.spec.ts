import { type AuditRequestContext, auditDraftFor } from './audit-record';
import { EmailPseudonyms } from './email-pseudonyms';
import { REDACTED } from './pii';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const AT = '2026-11-22T11:59:59.123Z';
const ALICE = '0f8fad5b-d9cb-469f-a165-70867728950e';
const ADMIN = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const SESSION = '16fd2706-8baf-433b-82eb-8c7fada847da';

const PSEUDONYMS = new EmailPseudonyms('audit-spec-pseudonym-key-0123456789');

const REQUEST: AuditRequestContext = { requestId: 'req-1', ip: '198.51.100.7', userAgent: 'curl/8.5', userId: null };

describe('auditDraftFor', () => {
  it('maps a lockout: subject and actor are the account, the client IP and agent come from the event', () => {
    const draft = auditDraftFor(
      'auth.account_locked',
      {
        email: 'alice@example.com',
        user_id: ALICE,
        ip: '203.0.113.9',
        user_agent: 'attacker/1.0',
        locked_until: '2026-11-22T12:15:00.000Z',
        lockout_level: 1,
        cooldown_seconds: 900,
        occurred_at: AT,
      },
      REQUEST,
      NOW,
      PSEUDONYMS,
    );
    expect(draft).toEqual({
      occurred_at: AT,
      type: 'auth.account_locked',
      actor_id: ALICE,
      actor_ip: '203.0.113.9',
      user_agent: 'attacker/1.0',
      subject_type: 'user',
      subject_id: ALICE,
      outcome: 'denied',
      request_id: 'req-1',
      metadata: { email: 'a***@example.com', locked_until: '2026-11-22T12:15:00.000Z', lockout_level: 1, cooldown_seconds: 900 },
    });
  });

  it('falls back to the e-mail as subject when no account matched: its pseudonym, the address only masked', () => {
    const draft = auditDraftFor(
      'auth.login_failed',
      { email: 'nobody@example.com', user_id: null, reason: 'unknown_email', ip: null, user_agent: null, occurred_at: AT },
      REQUEST,
      NOW,
      PSEUDONYMS,
    );
    expect(draft).toMatchObject({
      subject_type: 'email',
      subject_id: PSEUDONYMS.of('nobody@example.com'),
      actor_id: null,
      outcome: 'failure',
      // The payload had no client details: the request's are used.
      actor_ip: '198.51.100.7',
      user_agent: 'curl/8.5',
      metadata: { reason: 'unknown_email', email: 'n***@example.com' },
    });
  });

  it('takes the actor from its own field (an admin unlocking someone), not from the subject', () => {
    const draft = auditDraftFor(
      'auth.account_unlocked',
      { user_id: ALICE, reason: 'admin', by_user_id: ADMIN, was_locked: true, ip: '192.0.2.1', occurred_at: AT },
      { ...REQUEST, userId: ADMIN },
      NOW,
      PSEUDONYMS,
    );
    expect(draft).toMatchObject({
      actor_id: ADMIN,
      subject_type: 'user',
      subject_id: ALICE,
      actor_ip: '192.0.2.1',
      outcome: 'success',
      metadata: { reason: 'admin', was_locked: true },
    });
  });

  it('uses the signed-in user of the request when the event names no actor', () => {
    const draft = auditDraftFor(
      'sessions.revoked',
      { session_id: SESSION, user_id: ALICE, reason: 'refresh_reuse', by_user_id: null, occurred_at: AT },
      { ...REQUEST, userId: ADMIN },
      NOW,
      PSEUDONYMS,
    );
    expect(draft?.actor_id).toBe(ADMIN);
    expect(
      auditDraftFor(
        'sessions.revoked',
        { session_id: SESSION, user_id: ALICE, reason: 'x', by_user_id: null },
        undefined,
        NOW,
        PSEUDONYMS,
      ),
    ).toMatchObject({
      actor_id: null,
      request_id: null,
      actor_ip: null,
      user_agent: null,
      metadata: { user_id: ALICE, reason: 'x' },
    });
  });

  it('stamps rows outside a request with no request id and the system as actor', () => {
    const draft = auditDraftFor(
      'auth.admin_seeded',
      { user_id: ADMIN, email: 'admin@example.com', generated_password: false, occurred_at: AT },
      undefined,
      NOW,
      PSEUDONYMS,
    );
    expect(draft).toMatchObject({
      actor_id: null,
      request_id: null,
      subject_type: 'user',
      subject_id: ADMIN,
      metadata: { email: 'a***@example.com', generated_password: false },
    });
  });

  it('evaluates conditional outcomes', () => {
    const base = { session_id: SESSION, user_id: ALICE, ip: null, user_agent: null, ip_changed: true, user_agent_changed: false };
    expect(auditDraftFor('sessions.suspicious_refresh', { ...base, action: 'denied' }, undefined, NOW, PSEUDONYMS)?.outcome).toBe(
      'denied',
    );
    expect(
      auditDraftFor('sessions.suspicious_refresh', { ...base, action: 'allowed' }, undefined, NOW, PSEUDONYMS)?.outcome,
    ).toBe('flagged');
  });

  it('returns null for a skipped event', () => {
    expect(
      auditDraftFor(
        'jobs.run_completed',
        { job: 'x', slot: AT, instance_id: 'i', outcome: 'succeeded', duration_ms: 3 },
        undefined,
        NOW,
        PSEUDONYMS,
      ),
    ).toBeNull();
  });

  it('still records an event the table does not know, rather than dropping the fact', () => {
    expect(auditDraftFor('future.thing_happened', { thing_id: 'abc', occurred_at: AT }, REQUEST, NOW, PSEUDONYMS)).toMatchObject({
      type: 'future.thing_happened',
      subject_type: null,
      subject_id: null,
      actor_id: null,
      outcome: 'success',
      request_id: 'req-1',
      metadata: { thing_id: 'abc' },
    });
  });

  it('uses the clock when the event carries no (valid) time, and normalises it to ISO 8601 UTC', () => {
    const posted = { event_id: SESSION, service: 'api', status: 'operational', by_user_id: null };
    const occurredAt = (time: object): string | undefined =>
      auditDraftFor('status.event_posted', { ...posted, ...time }, undefined, NOW, PSEUDONYMS)?.occurred_at;
    expect(occurredAt({})).toBe(NOW.toISOString());
    expect(occurredAt({ occurred_at: 'garbage' })).toBe(NOW.toISOString());
    expect(occurredAt({ occurred_at: '2026-11-22T13:00:00+01:00' })).toBe('2026-11-22T12:00:00.000Z');
  });

  it('never stores a non-UUID as actor, and bounds every column', () => {
    const draft = auditDraftFor(
      'workspace.post_created',
      { post_id: SESSION, author_id: 'not-a-uuid', occurred_at: AT },
      { requestId: 'r'.repeat(500), ip: '1'.repeat(100), userAgent: 'u'.repeat(2000), userId: 'also-not-a-uuid' },
      NOW,
      PSEUDONYMS,
    );
    expect(draft?.actor_id).toBeNull();
    expect(draft?.request_id).toHaveLength(128);
    expect(draft?.actor_ip).toHaveLength(64);
    expect(draft?.user_agent).toHaveLength(512);
  });

  it('lets no secret reach any column of the row', () => {
    const secrets = [
      'Hunter2-correct-horse!',
      'q8Zr3vT0bLmN5xYw2KjH7gFdS4aP1eRuI9oC6tVnBzQ',
      '4111 1111 1111 1111',
      'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    ];
    const draft = auditDraftFor(
      'auth.password_changed',
      {
        user_id: ALICE,
        sessions_revoked: 1,
        ip: '192.0.2.1',
        password: secrets[0],
        refresh_token: secrets[1],
        comment: `card ${secrets[2]}`,
        headers: { 'x-api-key': secrets[3] },
        occurred_at: AT,
      },
      { ...REQUEST, userAgent: `client token=${secrets[1]}` },
      NOW,
      PSEUDONYMS,
    );
    const row = JSON.stringify(draft);
    for (const secret of secrets) expect(row).not.toContain(secret);
    expect(draft?.metadata).toMatchObject({ password: REDACTED, refresh_token: REDACTED, headers: { 'x-api-key': REDACTED } });
    expect(draft?.user_agent).toBe(`client token=${REDACTED}`);
  });
});
