import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { PasswordHasher, SessionsService } from '../src/contexts/identity/testing';
import { createTestApp, type TestApp } from './support/app';
import { register, requestToken, STRONG_PASSWORD, uniqueEmail } from './support/auth';
import { captureEvents, type EventCapture } from './support/events';

/**
 * A sign-in's one statement (`SessionsService.signIn`): the session and its token,
 * the user's last login, and its sources, with which of them were new; also for a client that
 * shows neither an address nor a user agent (no source to remember), which HTTP never sends.
 */
describe('the sign-in statement (e2e)', () => {
  let t: TestApp;
  let sessions: SessionsService;
  let db: DataSource;
  let published: EventCapture;

  beforeAll(async () => {
    t = await createTestApp();
    sessions = t.app.get(SessionsService);
    db = t.app.get(DataSource);
    published = captureEvents(t);
  });
  afterAll(() => t.close());

  const passwordChangedAt = async (userId: string) =>
    (await db.query<{ password_changed_at: Date | null }[]>('SELECT password_changed_at FROM users WHERE id = $1', [userId]))[0]
      .password_changed_at;

  async function signIn(userId: string, client: { ip: string | null; userAgent: string | null }, at: Date) {
    const signedIn = await sessions.signIn(userId, client, at, await passwordChangedAt(userId));
    if (!signedIn) throw new Error('not signed in');
    return { id: signedIn.sessionId, fresh: [...signedIn.newSources].sort(), role: signedIn.role };
  }

  const lastLogin = async (userId: string) =>
    (await db.query<{ last_login_at: Date | null }[]>('SELECT last_login_at FROM users WHERE id = $1', [userId]))[0]
      .last_login_at;
  const sessionRows = async (id: string) =>
    Number((await db.query<{ n: string }[]>('SELECT count(*) AS n FROM refresh_tokens WHERE session_id = $1', [id]))[0].n);

  it('records the session, its token, the last login and the sources, and names the new ones', async () => {
    const user = await register(t, uniqueEmail('sign-in'));
    const first = new Date('2026-12-01T10:00:00Z');
    const a = await signIn(user.id, { ip: '198.51.100.7', userAgent: 'agent-a' }, first);
    expect(a.fresh).toEqual(['ip', 'user_agent']);
    expect(a.role).toBe('user');
    expect(await sessionRows(a.id)).toBe(1);
    expect(await lastLogin(user.id)).toEqual(first);

    const later = new Date('2026-12-02T10:00:00Z');
    const b = await signIn(user.id, { ip: '198.51.100.7', userAgent: 'agent-b' }, later);
    expect(b.fresh).toEqual(['user_agent']);
    expect(await lastLogin(user.id)).toEqual(later);
    const seen = await db.query<{ kind: string; last_seen_at: Date }[]>(
      'SELECT kind, last_seen_at FROM login_sources WHERE user_id = $1 ORDER BY kind, first_seen_at',
      [user.id],
    );
    expect(seen).toEqual([
      { kind: 'ip', last_seen_at: later },
      { kind: 'user_agent', last_seen_at: first },
      { kind: 'user_agent', last_seen_at: later },
    ]);
  });

  it('a client with neither address nor user agent: the session and the last login, no source', async () => {
    const user = await register(t, uniqueEmail('sign-in-anonymous'));
    const at = new Date('2026-12-03T10:00:00Z');
    const signedIn = await signIn(user.id, { ip: null, userAgent: null }, at);
    expect(signedIn.fresh).toEqual([]);
    expect(await sessionRows(signedIn.id)).toBe(1);
    expect(await lastLogin(user.id)).toEqual(at);
    expect(await db.query('SELECT 1 FROM login_sources WHERE user_id = $1', [user.id])).toEqual([]);
  });

  it('writes nothing when the password changed since the sign-in read the account, or it is inactive', async () => {
    const user = await register(t, uniqueEmail('sign-in-stale'));
    const read = await passwordChangedAt(user.id);
    const client = { ip: '198.51.100.8', userAgent: 'agent-stale' };
    const sessionsOf = async () =>
      Number((await db.query<{ n: string }[]>('SELECT count(*) AS n FROM user_sessions WHERE user_id = $1', [user.id]))[0].n);
    // A reset (or a password change) committed between the check and the sign-in.
    const changedAt = new Date('2026-12-04T10:00:00.123Z');
    await db.query(`UPDATE users SET password_hash = 'changed', password_changed_at = $2 WHERE id = $1`, [user.id, changedAt]);
    expect(await sessions.signIn(user.id, client, new Date(), read)).toBeNull();
    // A deactivation (with the change read this time).
    await db.query(`UPDATE users SET is_active = false WHERE id = $1`, [user.id]);
    expect(await sessions.signIn(user.id, client, new Date(), changedAt)).toBeNull();
    expect(await sessionsOf()).toBe(0);
    expect(await lastLogin(user.id)).toBeNull();
    expect(await db.query('SELECT 1 FROM login_sources WHERE user_id = $1', [user.id])).toEqual([]);
    // Compared to the millisecond, as a Date holds it, whatever the column holds beyond.
    await db.query(
      `UPDATE users SET is_active = true, password_changed_at = $2::timestamptz + interval '456 microseconds' WHERE id = $1`,
      [user.id, changedAt],
    );
    expect(await sessions.signIn(user.id, client, new Date(), changedAt)).not.toBeNull();
  });

  it('a sign-in waiting on a password change that commits writes nothing; the token carries the role as it stands', async () => {
    const user = await register(t, uniqueEmail('sign-in-race'));
    const read = await passwordChangedAt(user.id);
    const changer = db.createQueryRunner();
    await changer.connect();
    try {
      await changer.startTransaction();
      await changer.query(`UPDATE users SET password_hash = 'reset', password_changed_at = now() WHERE id = $1`, [user.id]);
      const racing = sessions.signIn(user.id, { ip: null, userAgent: null }, new Date(), read);
      // The sign-in's UPDATE waits on the row the change holds, then sees its result.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await changer.commitTransaction();
      expect(await racing).toBeNull();
    } finally {
      await changer.release();
    }
    await db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]);
    expect((await signIn(user.id, { ip: null, userAgent: null }, new Date())).role).toBe('admin');
  });

  it('a login whose password is reset while it is checked answers 401 and keeps no session', async () => {
    const user = await register(t, uniqueEmail('sign-in-reset'));
    const hasher = t.app.get(PasswordHasher);
    const verify = hasher.verify.bind(hasher);
    // The reset commits after the login has checked the old password, before its sign-in.
    const spy = jest.spyOn(hasher, 'verify').mockImplementation(async (hash, password) => {
      const ok = await verify(hash, password);
      // As a reset writes it: the new hash and when it changed.
      await db.query(`UPDATE users SET password_hash = 'reset-meanwhile', password_changed_at = now() WHERE id = $1`, [user.id]);
      return ok;
    });
    try {
      const login = await requestToken(t, { email: user.email, password: STRONG_PASSWORD });
      expect(login.statusCode).toBe(401);
      expect(login.json()).toMatchObject({ code: 'invalid_credentials' });
    } finally {
      spy.mockRestore();
    }
    expect(await db.query('SELECT 1 FROM user_sessions WHERE user_id = $1', [user.id])).toEqual([]);
    expect(published.payloadsOf('auth.login_failed')).toContainEqual(
      expect.objectContaining({ user_id: user.id, reason: 'credentials_changed' }),
    );
  });

  describe('a login that rehashes a password stored with weaker parameters', () => {
    /** A user whose stored hash is argon2id with a time cost below the configured one, so the next login rehashes it. */
    async function withWeakHash(prefix: string) {
      const user = await register(t, uniqueEmail(prefix));
      const weak = await argon2.hash(STRONG_PASSWORD, { type: argon2.argon2id, memoryCost: 19456, timeCost: 1, parallelism: 1 });
      await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, weak]);
      return { ...user, weak };
    }

    it('two at once both sign in (each rehash its own, neither fails the other)', async () => {
      const user = await withWeakHash('rehash-twice');
      const answers = await Promise.all(
        [0, 1].map((i) => requestToken(t, { email: user.email, password: STRONG_PASSWORD }, { ip: `203.0.113.${i + 1}` })),
      );
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
      const [{ password_hash: stored }] = await db.query<{ password_hash: string }[]>(
        'SELECT password_hash FROM users WHERE id = $1',
        [user.id],
      );
      expect(stored).not.toBe(user.weak);
      expect(await argon2.verify(stored, STRONG_PASSWORD)).toBe(true);
    });

    it('never overwrites a reset that committed while it rehashed, and then keeps no session', async () => {
      const user = await withWeakHash('rehash-reset');
      const hasher = t.app.get(PasswordHasher);
      const hash = hasher.hash.bind(hasher);
      // The reset commits while the login computes the new hash.
      const spy = jest.spyOn(hasher, 'hash').mockImplementation(async (password) => {
        const rehashed = await hash(password);
        await db.query(`UPDATE users SET password_hash = 'reset-meanwhile', password_changed_at = now() WHERE id = $1`, [
          user.id,
        ]);
        return rehashed;
      });
      try {
        expect((await requestToken(t, { email: user.email, password: STRONG_PASSWORD })).statusCode).toBe(401);
      } finally {
        spy.mockRestore();
      }
      const [{ password_hash: stored }] = await db.query<{ password_hash: string }[]>(
        'SELECT password_hash FROM users WHERE id = $1',
        [user.id],
      );
      expect(stored).toBe('reset-meanwhile');
      expect(await db.query('SELECT 1 FROM user_sessions WHERE user_id = $1', [user.id])).toEqual([]);
    });
  });
});
