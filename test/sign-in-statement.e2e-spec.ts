import { DataSource } from 'typeorm';
import { SessionsService } from '../src/contexts/identity/testing';
import { createTestApp, type TestApp } from './support/app';
import { register, uniqueEmail } from './support/auth';

/**
 * A sign-in's one statement (`SessionsService.start` with `signedInAt`): the session and its token,
 * the user's last login, and its sources, with which of them were new; also for a client that
 * shows neither an address nor a user agent (no source to remember), which HTTP never sends.
 */
describe('the sign-in statement (e2e)', () => {
  let t: TestApp;
  let sessions: SessionsService;
  let db: DataSource;

  beforeAll(async () => {
    t = await createTestApp();
    sessions = t.app.get(SessionsService);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  async function signIn(userId: string, client: { ip: string | null; userAgent: string | null }, at: Date) {
    const { sessionId, newSources } = await sessions.start(userId, client, at);
    return { id: sessionId, fresh: [...newSources].sort() };
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
});
