import { type AddressInfo, connect as tcpConnect } from 'node:net';
import { DataSource } from 'typeorm';
import { WebSocket } from 'ws';
import { AccessTokenVerifier } from '../src/contexts/identity/testing';
import { runInTransaction } from '../src/platform/database/transaction-context';
import { EventBus } from '../src/platform/events';
import { Streams } from '../src/platform/live';
import { createTestApp, type TestApp } from './support/app';
import { bearer, loginPerson, person, requestToken, type Person } from './support/auth';
import { createTestDatabase, type TestDatabase } from './support/database';
import { eventually, settled } from './support/eventually';
import { openSse, type SseClient } from './support/sse';
import { inTenant, sharedTenant } from './support/tenants';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ADMIN_EMAIL = 'live.admin@example.com';
const ADMIN_PASSWORD = 'live-admin-passphrase-Quartz-Heron';
const ENV = { ADMIN_EMAIL, ADMIN_PASSWORD, LOCKOUT_THRESHOLD: '3', STREAM_HEARTBEAT: '1' };

/**
 * Live feeds (docs/operations.md, "Live feeds"): SSE and WebSocket, fanned out across two
 * instances on one database by PostgreSQL LISTEN/NOTIFY.
 */
describe('live feeds (e2e)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let baseA: string;
  let baseB: string;
  let admin: Person;
  const open: { close(): void }[] = [];

  const listen = async (t: TestApp): Promise<string> => {
    await t.app.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  };

  async function sse(base: string, path: string, who: Person | null, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await openSse(`${base}/api/v1${path}`, { ...(who ? bearer(who.tokens) : {}), ...headers });
    open.push(client);
    return client;
  }

  beforeAll(async () => {
    db = await createTestDatabase('live-feeds');
    a = await createTestApp({ db, env: ENV });
    b = await createTestApp({ db, env: ENV });
    baseA = await listen(a);
    baseB = await listen(b);
    admin = await loginPerson(a, ADMIN_EMAIL, ADMIN_PASSWORD);
  });

  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });

  afterAll(async () => {
    for (const client of open.splice(0)) client.close();
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  describe('admin audit feed (SSE)', () => {
    it('shows a lockout caused on the other instance within a second', async () => {
      const victim = await person(b, 'live-victim');
      const stream = await sse(baseA, '/admin/events/stream?type=auth.account_locked', admin);
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('cache-control')).toBe('no-store');
      for (let i = 0; i < 3; i++) await requestToken(b, { email: victim.email, password: `wrong-guess-${i}-password` });
      const locked = Date.now();
      const event = await stream.next((e) => e.event === 'audit', 1000);
      expect(Date.now() - locked).toBeLessThan(1000);
      expect(event.data).toMatchObject({ type: 'auth.account_locked', subject_type: 'user', subject_id: victim.id });
      expect(event.id).toBe(String(event.data.seq));
      // Filtered: nothing but the type asked for.
      expect(stream.events.filter((e) => e.event === 'audit').map((e) => e.data.type)).toEqual(['auth.account_locked']);
    });

    it('resumes with Last-Event-ID: the missed events once each, in order, then live ones', async () => {
      const first = await sse(baseA, '/admin/events/stream', admin);
      const marker = await person(a, 'live-marker');
      const seen = await first.next((e) => e.event === 'audit' && e.data.subject_id === marker.id);
      first.close();
      // Missed while away: activity on both instances.
      for (const t of [a, b, a]) await person(t, 'live-missed');
      await settled(a);
      const resumed = await sse(baseB, '/admin/events/stream', admin, { 'last-event-id': String(seen.id) });
      const rows = await a.db.query<{ seq: string }>('SELECT seq FROM audit_events WHERE seq > $1 ORDER BY seq', [
        Number(seen.id),
      ]);
      const expected = rows.map((r) => Number(r.seq));
      expect(expected.length).toBeGreaterThan(3);
      await resumed.next((e) => e.event === 'audit' && e.data.seq === expected[expected.length - 1]);
      const live = await person(b, 'live-after');
      await resumed.next((e) => e.event === 'audit' && e.data.subject_id === live.id);
      const got = resumed.events.filter((e) => e.event === 'audit').map((e) => e.data.seq as number);
      expect(got.slice(0, expected.length)).toEqual(expected);
      expect(new Set(got).size).toBe(got.length);
      expect([...got].sort((x, y) => x - y)).toEqual(got);
    });

    it('never shows an event whose transaction rolled back', async () => {
      const stream = await sse(baseA, '/admin/events/stream?type=auth.account_unlocked', admin);
      const events = b.app.get(EventBus);
      const rolledBack = '00000000-0000-4000-8000-00000000dead';
      const committed = '00000000-0000-4000-8000-00000000beef';
      const publish = (userId: string) =>
        events.publish('auth.account_unlocked', {
          user_id: userId,
          reason: 'admin',
          by_user_id: null,
          was_locked: true,
          ip: null,
        });
      await expect(
        runInTransaction(b.app.get(DataSource), async () => {
          await publish(rolledBack);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await publish(committed);
      await stream.next((e) => e.event === 'audit' && e.data.subject_id === committed);
      expect(stream.events.some((e) => e.event === 'audit' && e.data.subject_id === rolledBack)).toBe(false);
      const [{ count }] = await a.db.query<{ count: string }>('SELECT count(*) FROM audit_events WHERE subject_id = $1', [
        rolledBack,
      ]);
      expect(Number(count)).toBe(0);
    });

    it('sends heartbeats, and is for admins only', async () => {
      const stream = await sse(baseA, '/admin/events/stream', admin);
      await stream.next((e) => e.event === ':comment' && e.data === 'heartbeat', 3000);
      const user = await person(a, 'live-user');
      const forbidden = await sse(baseA, '/admin/events/stream', user);
      expect(forbidden.status).toBe(403);
      expect(JSON.parse(forbidden.body!)).toMatchObject({ code: 'forbidden' });
      expect((await sse(baseA, '/admin/events/stream', null)).status).toBe(401);
      const badResume = await sse(baseA, '/admin/events/stream', admin, { 'last-event-id': 'yesterday' });
      expect(badResume.status).toBe(400);
    });

    it('refuses a fourth stream of one user with 429 and the usual headers; a closed one frees its slot', async () => {
      const streams = [];
      for (let i = 0; i < 3; i++) streams.push(await sse(baseB, '/admin/events/stream', admin));
      expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
      const fourth = await sse(baseB, '/admin/events/stream', admin);
      expect(fourth.status).toBe(429);
      expect(fourth.headers.get('retry-after')).toBe('5');
      expect(JSON.parse(fourth.body!)).toMatchObject({ code: 'too_many_streams', retry_after: 5 });
      // Per instance: the other one still has room.
      expect((await sse(baseA, '/admin/events/stream', admin)).status).toBe(200);
      streams[0].close();
      await streams[0].ended;
      let again: SseClient | undefined;
      for (let i = 0; i < 50 && again?.status !== 200; i++) {
        again?.close();
        again = await sse(baseB, '/admin/events/stream', admin);
      }
      expect(again?.status).toBe(200);
    });
  });

  describe('status feed (SSE)', () => {
    it('sends the roll-up at once, then every change made on any instance (public)', async () => {
      const stream = await sse(baseA, '/status/stream', null);
      expect(stream.status).toBe(200);
      const first = await stream.next((e) => e.event === 'status');
      expect(first.data).toHaveProperty('overall');
      const posted = await b.inject({
        method: 'POST',
        url: '/api/v1/status/events',
        headers: bearer(admin.tokens),
        payload: { service: 'live-api', status: 'degraded_performance', message: 'slow' },
      });
      expect(posted.statusCode).toBe(201);
      const changed = await stream.next((e) => e.event === 'status' && JSON.stringify(e.data).includes('live-api'));
      expect(JSON.stringify(changed.data)).toContain('degraded_performance');
    });
  });

  describe('tenant feed (SSE)', () => {
    it('shows a tenant’s owners its own events only; members get 403', async () => {
      const owner = await person(a, 'live-owner');
      const member = await person(a, 'live-member');
      const team = await sharedTenant(a, owner, [[member, 'member']]);
      const other = await sharedTenant(a, owner);
      const stream = await sse(baseA, `/tenants/${team}/events/stream`, owner);
      expect(stream.status).toBe(200);
      for (const tenant of [other, team]) {
        const res = await b.inject({
          method: 'POST',
          url: '/api/v1/projects',
          headers: { ...bearer(owner.tokens), ...inTenant(tenant) },
          payload: { name: `live ${tenant}` },
        });
        expect(res.statusCode).toBe(201);
      }
      const created = await stream.next((e) => e.event === 'audit' && e.data.type === 'workspace.project_created');
      expect(created.data.metadata.tenant_id).toBe(team);
      expect(
        stream.events
          .filter((e) => e.event === 'audit')
          .every((e) => e.data.metadata?.tenant_id === team || e.data.subject_id === team),
      ).toBe(true);
      expect((await sse(baseA, `/tenants/${team}/events/stream`, member)).status).toBe(403);
    });

    it('resuming from 0 replays the tenant’s rows, in order, read by the database’s filter (not the whole chain)', async () => {
      const owner = await person(a, 'live-resume');
      const team = await sharedTenant(a, owner);
      for (const name of ['one', 'two']) {
        const res = await a.inject({
          method: 'POST',
          url: '/api/v1/projects',
          headers: { ...bearer(owner.tokens), ...inTenant(team) },
          payload: { name },
        });
        expect(res.statusCode).toBe(201);
      }
      await settled(a);
      const own = (
        await a.db.query<{ seq: string }>(
          `SELECT seq FROM audit_events
            WHERE (CASE WHEN subject_type = 'tenant' THEN subject_id ELSE metadata ->> 'tenant_id' END) = $1 ORDER BY seq`,
          [team],
        )
      ).map((r) => Number(r.seq));
      const [{ total }] = await a.db.query<{ total: number }>('SELECT count(*)::int AS total FROM audit_events');
      expect(own.length).toBeGreaterThanOrEqual(3);
      expect(total).toBeGreaterThan(own.length * 2);
      // The rows the replay from 0 reads (its statement starts after seq 0; the live pump's after the head).
      const dataSource = a.app.get(DataSource);
      const query = dataSource.query.bind(dataSource);
      let replayed = 0;
      const spy = jest.spyOn(dataSource, 'query').mockImplementation(async (sql: string, params?: unknown[] | object) => {
        const rows: unknown = await query(sql, params);
        if (sql.includes('FROM "audit_events"') && Array.isArray(params) && params[0] === 0 && Array.isArray(rows))
          replayed += rows.length;
        return rows;
      });
      try {
        const stream = await sse(baseA, `/tenants/${team}/events/stream`, owner, { 'last-event-id': '0' });
        await stream.next((e) => e.event === 'audit' && e.data.seq === own[own.length - 1]);
        expect(stream.events.filter((e) => e.event === 'audit').map((e) => e.data.seq)).toEqual(own);
      } finally {
        spy.mockRestore();
      }
      expect(replayed).toBe(own.length);
    });
  });

  describe('admin WebSocket', () => {
    const wsUrl = (base: string, query = '') => `${base.replace('http', 'ws')}/api/v1/admin/ws${query}`;

    /** Opens a socket; resolves with it and its messages once open (or the HTTP status that refused it). */
    function connect(
      url: string,
      protocols?: string[],
    ): Promise<{ ws: WebSocket; messages: Json[]; status?: number; closed: Promise<number> }> {
      return new Promise((resolve) => {
        const ws = new WebSocket(url, protocols);
        open.push({ close: () => ws.terminate() });
        const messages: Json[] = [];
        const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)));
        ws.on('message', (data) => messages.push(JSON.parse((data as Buffer).toString('utf8')) as Json));
        ws.on('open', () => resolve({ ws, messages, closed }));
        ws.on('unexpected-response', (_req, res) => {
          resolve({ ws, messages, closed, status: res.statusCode });
          res.resume();
        });
        ws.on('error', () => undefined);
      });
    }

    const waitFor = async (messages: Json[], match: (m: Json) => boolean, timeoutMs = 5000): Promise<Json> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages.map((m) => m.type))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    it('carries audit events and user-status changes; the token goes in the subprotocol, never the URL', async () => {
      const socket = await connect(wsUrl(baseA), ['bastion.bearer', admin.tokens.access_token]);
      expect(socket.status).toBeUndefined();
      expect(socket.ws.protocol).toBe('bastion.bearer');
      await waitFor(socket.messages, (m) => m.type === 'ready');
      const victim = await person(b, 'ws-victim');
      for (let i = 0; i < 3; i++) await requestToken(b, { email: victim.email, password: `wrong-${i}-guess-password` });
      const locked = await waitFor(socket.messages, (m) => m.type === 'user.locked' && m.user_id === victim.id);
      expect(socket.messages).toContainEqual(
        expect.objectContaining({
          type: 'audit',
          id: locked.id,
          event: expect.objectContaining({ type: 'auth.account_locked' }),
        }),
      );
      const inUrl = await connect(wsUrl(baseA, `?access_token=${admin.tokens.access_token}`));
      expect(inUrl.status).toBe(400);
    });

    it('authenticates by the first message too; refuses non-admins and bad tokens', async () => {
      const socket = await connect(wsUrl(baseB));
      socket.ws.send(JSON.stringify({ type: 'auth', token: admin.tokens.access_token }));
      await waitFor(socket.messages, (m) => m.type === 'ready');
      const user = await person(a, 'ws-user');
      expect((await connect(wsUrl(baseA), ['bastion.bearer', user.tokens.access_token])).status).toBe(403);
      expect((await connect(wsUrl(baseA), ['bastion.bearer', 'not.a.token'])).status).toBe(401);
      const byMessage = await connect(wsUrl(baseA));
      byMessage.ws.send(JSON.stringify({ type: 'auth', token: user.tokens.access_token }));
      expect(await byMessage.closed).toBe(4403);
      const plain = await fetch(wsUrl(baseA).replace('ws', 'http'));
      expect(plain.status).toBe(426);
    });

    it('closes within 5 seconds of its session being revoked', async () => {
      const who = await loginPerson(b, ADMIN_EMAIL, ADMIN_PASSWORD);
      const socket = await connect(wsUrl(baseA), ['bastion.bearer', who.tokens.access_token]);
      await waitFor(socket.messages, (m) => m.type === 'ready');
      const revoked = Date.now();
      const logout = await b.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(who.tokens) });
      expect(logout.statusCode).toBe(204);
      expect(await socket.closed).toBe(4401);
      expect(Date.now() - revoked).toBeLessThan(5000);
    });
  });

  describe('slots given back whatever the client does', () => {
    /** Streams this instance counts as open, every feed together. */
    const openStreams = async (t: TestApp): Promise<number> =>
      (await t.app.get(Streams).openGauge.get()).values.reduce((sum, v) => sum + v.value, 0);
    /** Sends `head` on a raw connection and drops it once the app is busy checking the token (made slow here). */
    async function leaveWhileChecked(base: string, head: string): Promise<void> {
      const verifier = a.app.get(AccessTokenVerifier);
      const verify = verifier.verify.bind(verifier);
      let checking!: () => void;
      const started = new Promise<void>((resolve) => (checking = resolve));
      const spy = jest.spyOn(verifier, 'verify').mockImplementation(async (token) => {
        checking();
        await new Promise((r) => setTimeout(r, 300));
        return verify(token);
      });
      try {
        const { port } = new URL(base);
        const socket = tcpConnect(Number(port), '127.0.0.1');
        socket.on('error', () => undefined);
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(head);
        await started;
        socket.destroy();
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        spy.mockRestore();
      }
    }

    it('a plain GET of the socket with a bearer subprotocol (426) holds no slot', async () => {
      const before = await openStreams(a);
      for (let i = 0; i < 4; i++) {
        const plain = await fetch(`${baseA}/api/v1/admin/ws`, {
          headers: { 'sec-websocket-protocol': `bastion.bearer, ${admin.tokens.access_token}` },
        });
        expect(plain.status).toBe(426);
        await plain.arrayBuffer();
      }
      expect(await openStreams(a)).toBe(before);
      expect((await sse(baseA, '/admin/events/stream', admin)).status).toBe(200);
    });

    it('a client that leaves while its upgrade, its SSE request or its first message is checked holds no slot', async () => {
      const token = admin.tokens.access_token;
      // The streams of the tests before are closed by their clients; wait until the server has seen them go.
      await eventually(async () => (await openStreams(a)) === 0, 2000); // the earlier streams to end
      const before = 0;
      await leaveWhileChecked(
        baseA,
        'GET /api/v1/admin/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
          `Sec-WebSocket-Protocol: bastion.bearer, ${token}\r\n\r\n`,
      );
      await eventually(async () => (await openStreams(a)) === before, 2000); // the upgrade’s slot
      await leaveWhileChecked(
        baseA,
        `GET /api/v1/admin/events/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
      await eventually(async () => (await openStreams(a)) === before, 2000); // the SSE stream’s slot

      // The first message's check: the socket is open, the client goes while its token is verified.
      const verifier = a.app.get(AccessTokenVerifier);
      const verify = verifier.verify.bind(verifier);
      const spy = jest.spyOn(verifier, 'verify').mockImplementation(async (t) => {
        await new Promise((r) => setTimeout(r, 300));
        return verify(t);
      });
      try {
        const ws = new WebSocket(`${baseA.replace('http', 'ws')}/api/v1/admin/ws`);
        ws.on('error', () => undefined);
        await new Promise((resolve) => ws.once('open', resolve));
        ws.send(JSON.stringify({ type: 'auth', token }));
        await new Promise((r) => setTimeout(r, 50));
        ws.terminate();
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        spy.mockRestore();
      }
      await eventually(async () => (await openStreams(a)) === before, 2000); // the message-authenticated socket’s slot
    });

    it('a first message of null closes the socket 4401 at once (no unhandled error, no socket left open)', async () => {
      const ws = new WebSocket(`${baseA.replace('http', 'ws')}/api/v1/admin/ws`);
      open.push({ close: () => ws.terminate() });
      ws.on('error', () => undefined);
      const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)));
      await new Promise((resolve) => ws.once('open', resolve));
      const sent = Date.now();
      ws.send('null');
      expect(await closed).toBe(4401);
      expect(Date.now() - sent).toBeLessThan(2000);
    });

    it('a repeated type filter is a 400 on the audit streams, not a 500', async () => {
      const repeated = await sse(baseA, '/admin/events/stream?type=a.b&type=c.d', admin);
      expect(repeated.status).toBe(400);
      expect(JSON.parse(repeated.body!)).toMatchObject({
        code: 'validation_failed',
        errors: [expect.objectContaining({ field: 'type' })],
      });
    });
  });

  it('ends every stream when the instance shuts down', async () => {
    const extra = await createTestApp({ db, env: ENV });
    const base = await listen(extra);
    const who = await loginPerson(extra, ADMIN_EMAIL, ADMIN_PASSWORD);
    const stream = await sse(base, '/admin/events/stream', who);
    expect(stream.status).toBe(200);
    const closing = extra.close();
    const outcome = await Promise.race([
      stream.ended.then(() => 'ended'),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 10_000)),
    ]);
    expect(outcome).toBe('ended');
    await closing;
  });
});
