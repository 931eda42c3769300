import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { LightMyRequestResponse } from 'fastify';
import type { Pool, QueryConfig, QueryResult } from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/contexts/audit';
import { AUDIT_MAPPING, EmailPseudonyms, readArchive } from '../src/contexts/audit/testing';
import { Clock } from '../src/platform/clock';
import { runInTransaction } from '../src/platform/database/transaction-context';
import { EventBus } from '../src/platform/events';
import { runWithRequestContext } from '../src/platform/http/request-context';
import { Metrics } from '../src/platform/observability';
import { settled } from './support/eventually';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { asRole, runAuditVerify } from './support/audit';
import {
  bearer,
  login,
  person,
  type Person,
  register,
  requestRefresh,
  requestToken,
  STRONG_PASSWORD,
  type Tokens,
  uniqueEmail,
} from './support/auth';

const ADMIN_EMAIL = 'audit.admin@example.com';
const ADMIN_PASSWORD = 'audit-admin-passphrase-Gr4nite-Owl';
const WRONG = 'not-the-password-at-all-9';
const DAY_MS = 86_400_000;
/** Drains a row may fail alone before it is parked (MAX_DRAIN_ATTEMPTS in the audit drainer). */
const MAX_DRAIN_ATTEMPTS = 5;

type Row = Record<string, unknown> & {
  id: string;
  seq: number;
  type: string;
  occurred_at: string;
  actor_id: string | null;
  actor_ip: string | null;
  user_agent: string | null;
  subject_type: string | null;
  subject_id: string | null;
  outcome: string;
  request_id: string | null;
  metadata: Record<string, unknown>;
  prev_hash: string;
  hash: string;
};

describe('audit trail (e2e)', () => {
  let t: TestApp;
  let admin: Tokens;
  let adminId: string;
  let archiveDir: string;
  /** Every secret the suite handles: none may ever reach an audit row. */
  const secrets = new Set<string>([STRONG_PASSWORD, WRONG, ADMIN_PASSWORD]);

  const remember = (tokens: Tokens): Tokens => {
    secrets.add(tokens.access_token);
    secrets.add(tokens.refresh_token);
    return tokens;
  };

  const get = (url: string, tokens: Tokens | null = admin): Promise<LightMyRequestResponse> =>
    t.inject({ method: 'GET', url: `/api/v1${url}`, headers: tokens ? bearer(tokens) : {} });

  async function page(query = ''): Promise<{ items: Row[]; total: number; page: number; page_size: number; pages: number }> {
    const res = await get(`/audit/events${query}`);
    if (res.statusCode !== 200) throw new Error(`GET /audit/events${query}: ${res.statusCode} ${res.body}`);
    return res.json();
  }

  /** Rows of one type from the API, newest first, optionally matching some fields. */
  async function rowsOf(type: string, where: Partial<Row> = {}): Promise<Row[]> {
    const body = await page(`?type=${type}&page_size=100`);
    return body.items.filter((row) => Object.entries(where).every(([k, v]) => row[k] === v));
  }

  const tableRows = (): Promise<Row[]> =>
    t.db.query<Row>(`SELECT id, seq::int AS seq, type, occurred_at FROM audit_events ORDER BY seq`);

  const service = (): AuditService => t.app.get(AuditService);

  beforeAll(async () => {
    archiveDir = mkdtempSync(join(tmpdir(), 'bastion-audit-archive-'));
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, AUDIT_ARCHIVE_DIR: archiveDir } });
    admin = remember(await login(t, ADMIN_EMAIL, ADMIN_PASSWORD));
    adminId = (await get('/auth/me')).json().id;
  });
  afterAll(async () => {
    await t.close();
    rmSync(archiveDir, { recursive: true, force: true });
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('what is recorded', () => {
    it('subscribes to every event the mapping audits', () => {
      const emitter = t.app.get(EventEmitter2);
      const audited = Object.entries(AUDIT_MAPPING)
        .filter(([, rule]) => !('skip' in rule))
        .map(([name]) => name);
      expect(audited.length).toBeGreaterThan(20);
      expect(audited.filter((name) => emitter.listeners(name).length === 0)).toEqual([]);
    });

    it('records the admin seed at boot, outside any request (no request id, the system as actor)', async () => {
      const [seeded] = await rowsOf('auth.admin_seeded');
      expect(seeded).toMatchObject({
        actor_id: null,
        request_id: null,
        subject_type: 'user',
        subject_id: adminId,
        outcome: 'success',
        metadata: { email: 'a***@example.com', generated_password: false },
      });
    });

    it('records signup and login success and failure with actor, client IP, user agent and request id', async () => {
      const email = uniqueEmail('signup');
      const headers = { 'user-agent': 'audit-e2e/1.0', 'x-request-id': 'signup-1' };
      const created = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email, password: STRONG_PASSWORD },
        remoteAddress: '192.0.2.21',
        headers,
      });
      expect(created.statusCode).toBe(201);
      const userId = created.json().id as string;
      const weak = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: uniqueEmail('weak'), password: 'weakpass1' },
        remoteAddress: '192.0.2.21',
        headers: { ...headers, 'x-request-id': 'signup-2' },
      });
      expect(weak.statusCode).toBe(400);
      secrets.add('weakpass1');
      const ok = await requestToken(
        t,
        { email, password: STRONG_PASSWORD },
        { ip: '192.0.2.22', headers: { ...headers, 'x-request-id': 'login-ok' } },
      );
      expect(ok.statusCode).toBe(200);
      remember(ok.json());
      const bad = await requestToken(
        t,
        { email, password: WRONG },
        { ip: '192.0.2.23', headers: { ...headers, 'x-request-id': 'login-bad' } },
      );
      expect(bad.statusCode).toBe(401);

      expect(await rowsOf('auth.user_registered', { subject_id: userId })).toEqual([
        expect.objectContaining({
          actor_id: userId,
          actor_ip: '192.0.2.21',
          user_agent: 'audit-e2e/1.0',
          request_id: 'signup-1',
          subject_type: 'user',
          outcome: 'success',
          metadata: { email: expect.stringMatching(/^s\*\*\*@example\.com$/) },
        }),
      ]);
      expect(await rowsOf('auth.registration_failed', { request_id: 'signup-2' })).toEqual([
        expect.objectContaining({
          subject_type: 'email',
          outcome: 'failure',
          actor_ip: '192.0.2.21',
          metadata: { reason: 'weak_password', email: expect.stringMatching(/^w\*\*\*@example\.com$/) },
        }),
      ]);
      expect(await rowsOf('auth.login_succeeded', { actor_id: userId })).toEqual([
        expect.objectContaining({ actor_ip: '192.0.2.22', request_id: 'login-ok', outcome: 'success' }),
      ]);
      // The session the login started is recorded by the same request.
      expect(await rowsOf('sessions.started', { actor_id: userId })).toEqual([
        expect.objectContaining({ subject_type: 'session', request_id: 'login-ok' }),
      ]);
      expect(await rowsOf('auth.login_failed', { actor_id: userId })).toEqual([
        expect.objectContaining({
          actor_ip: '192.0.2.23',
          user_agent: 'audit-e2e/1.0',
          request_id: 'login-bad',
          subject_type: 'user',
          subject_id: userId,
          outcome: 'failure',
          metadata: { email: expect.stringMatching(/^s\*\*\*@example\.com$/), reason: 'wrong_password' },
        }),
      ]);
    });

    it('a failed login for an unknown address names it by its pseudonym, the address only masked', async () => {
      const email = uniqueEmail('ghost');
      await requestToken(t, { email, password: WRONG }, { headers: { 'x-request-id': 'ghost-1' } });
      await requestToken(t, { email: email.toUpperCase(), password: WRONG }, { headers: { 'x-request-id': 'ghost-2' } });
      const pseudonym = t.app.get(EmailPseudonyms).of(email);
      expect(pseudonym).toMatch(/^[0-9a-f]{32}$/);
      for (const requestId of ['ghost-1', 'ghost-2']) {
        expect(await rowsOf('auth.login_failed', { request_id: requestId })).toEqual([
          expect.objectContaining({
            subject_type: 'email',
            subject_id: pseudonym,
            actor_id: null,
            metadata: { reason: 'unknown_email', email: expect.stringMatching(/^g\*\*\*@example\.com$/) },
          }),
        ]);
      }
      const [{ count }] = await t.db.query<{ count: string }>(
        `SELECT count(*) FROM audit_events r WHERE strpos(lower(r::text), lower($1)) > 0`,
        [email],
      );
      expect(count).toBe('0');
    });
  });

  describe('acceptance: lockout, unlock and refresh-token reuse carry actor, IP and request id', () => {
    it('a lockout', async () => {
      const email = uniqueEmail('locked');
      const user = await register(t, email);
      for (let i = 1; i <= 10; i++) {
        const res = await requestToken(
          t,
          { email, password: WRONG },
          { ip: `10.9.0.${i}`, headers: { 'x-request-id': `lock-${i}`, 'user-agent': 'brute/0.1' } },
        );
        expect(res.statusCode).toBe(401);
      }
      expect(await rowsOf('auth.account_locked', { subject_id: user.id })).toEqual([
        expect.objectContaining({
          actor_id: user.id,
          actor_ip: '10.9.0.10',
          user_agent: 'brute/0.1',
          request_id: 'lock-10',
          subject_type: 'user',
          outcome: 'denied',
          metadata: expect.objectContaining({
            lockout_level: 1,
            cooldown_seconds: 900,
            email: expect.stringMatching(/^l\*\*\*@/),
          }),
        }),
      ]);
      expect(await rowsOf('auth.login_failed', { actor_id: user.id })).toHaveLength(10);
      const blocked = await requestToken(
        t,
        { email, password: STRONG_PASSWORD },
        { ip: '10.9.0.11', headers: { 'x-request-id': 'lock-11' } },
      );
      expect(blocked.statusCode).toBe(429);
      expect(await rowsOf('auth.login_blocked', { actor_id: user.id })).toEqual([
        expect.objectContaining({ request_id: 'lock-11', actor_ip: '10.9.0.11', outcome: 'denied' }),
      ]);

      // An admin unlock: the admin is the actor, the user the subject.
      const unlock = await t.inject({
        method: 'POST',
        url: `/api/v1/auth/users/${user.id}/unlock`,
        remoteAddress: '192.0.2.200',
        headers: { ...bearer(admin), 'x-request-id': 'unlock-1', 'user-agent': 'admin-console/2' },
      });
      expect(unlock.statusCode).toBe(204);
      expect(await rowsOf('auth.account_unlocked', { subject_id: user.id })).toEqual([
        expect.objectContaining({
          actor_id: adminId,
          actor_ip: '192.0.2.200',
          user_agent: 'admin-console/2',
          request_id: 'unlock-1',
          subject_type: 'user',
          outcome: 'success',
          metadata: { reason: 'admin', was_locked: true },
        }),
      ]);
    });

    it('a refresh-token reuse (and the revocation it causes)', async () => {
      const email = uniqueEmail('reuse');
      const user = await register(t, email);
      const first = remember(await login(t, email));
      const refreshed = await requestRefresh(t, first.refresh_token);
      expect(refreshed.statusCode).toBe(200);
      remember(refreshed.json());
      const reuse = await requestRefresh(t, first.refresh_token, {
        ip: '203.0.113.77',
        headers: { 'x-request-id': 'reuse-1', 'user-agent': 'stolen-token/1' },
      });
      expect(reuse.statusCode).toBe(401);
      expect(reuse.headers['x-request-id']).toBe('reuse-1');
      const [detected] = await rowsOf('sessions.refresh_reuse_detected', { actor_id: user.id });
      expect(detected).toMatchObject({
        actor_ip: '203.0.113.77',
        user_agent: 'stolen-token/1',
        request_id: 'reuse-1',
        subject_type: 'session',
        outcome: 'denied',
      });
      expect(await rowsOf('sessions.revoked', { subject_id: detected.subject_id })).toEqual([
        expect.objectContaining({
          request_id: 'reuse-1',
          actor_id: null,
          metadata: { user_id: user.id, reason: 'refresh_reuse' },
        }),
      ]);
      expect(await rowsOf('sessions.refreshed', { subject_id: detected.subject_id })).toHaveLength(1);
    });
  });

  describe('GET /api/v1/audit/events', () => {
    let alice: Person;
    let windowStart: string;
    let windowEnd: string;

    beforeAll(async () => {
      alice = await person(t, 'alice');
      remember(alice.tokens);
      // 12 status posts by the admin, in a window of their own.
      const [{ now }] = await t.db.query<{ now: Date }>('SELECT clock_timestamp() AS now');
      windowStart = new Date(now.getTime() - 1).toISOString();
      for (let i = 1; i <= 12; i++) {
        const res = await t.inject({
          method: 'POST',
          url: '/api/v1/status/events',
          payload: { service: `svc-${i}`, status: 'operational', message: `post ${i}` },
          headers: bearer(admin),
        });
        expect(res.statusCode).toBe(201);
      }
      const [last] = await t.db.query<{ occurred_at: Date }>(`SELECT max(occurred_at) AS occurred_at FROM audit_events`);
      windowEnd = new Date(last.occurred_at.getTime() + 1).toISOString();
    });

    it('is admin only: 401 without a token, 403 for a user', async () => {
      expect((await get('/audit/events', null)).statusCode).toBe(401);
      const forbidden = await get('/audit/events', alice.tokens);
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json().code).toBe('forbidden');
    });

    it('lists newest first with the standard page block', async () => {
      const body = await page('?page_size=5');
      const total = (await tableRows()).length;
      expect(body).toMatchObject({ total, page: 1, page_size: 5, pages: Math.ceil(total / 5) });
      expect(body.items).toHaveLength(5);
      const keys = (row: Row) => [Date.parse(row.occurred_at), row.seq];
      const order = body.items.map(keys);
      expect(order).toEqual([...order].sort((a, b) => b[0] - a[0] || b[1] - a[1]));
      expect(Object.keys(body.items[0]).sort()).toEqual(
        [
          'actor_id',
          'actor_ip',
          'hash',
          'id',
          'metadata',
          'occurred_at',
          'outcome',
          'prev_hash',
          'request_id',
          'seq',
          'subject_id',
          'subject_type',
          'type',
          'user_agent',
        ].sort(),
      );
    });

    it('filters by type and pages through the result', async () => {
      const first = await page('?type=status.event_posted&page=1&page_size=5');
      expect(first).toMatchObject({ total: 12, page: 1, page_size: 5, pages: 3 });
      const third = await page('?type=status.event_posted&page=3&page_size=5');
      expect(third.items).toHaveLength(2);
      const all = await page('?type=status.event_posted&page_size=100');
      expect(all.items.map((r) => r.metadata.service)).toEqual(Array.from({ length: 12 }, (_, i) => `svc-${12 - i}`));
      expect([...first.items, ...(await page('?type=status.event_posted&page=2&page_size=5')).items, ...third.items]).toEqual(
        all.items,
      );
      expect(all.items.every((r) => r.type === 'status.event_posted' && r.actor_id === adminId)).toBe(true);
      expect(await page('?type=nothing.happened')).toMatchObject({ items: [], total: 0, pages: 0 });
    });

    it('filters by actor', async () => {
      const mine = await page(`?actor_id=${alice.id}&page_size=100`);
      expect(mine.total).toBeGreaterThanOrEqual(3); // registered, session started, login succeeded
      expect(mine.items.every((r) => r.actor_id === alice.id)).toBe(true);
      expect(mine.items.map((r) => r.type)).toEqual(expect.arrayContaining(['auth.user_registered', 'auth.login_succeeded']));
      const upper = await page(`?actor_id=${alice.id.toUpperCase()}&page_size=100`);
      expect(upper.total).toBe(mine.total);
    });

    it('filters by a time window: from inclusive, to exclusive, combined with the other filters', async () => {
      const inWindow = await page(`?from=${windowStart}&to=${windowEnd}&page_size=100`);
      expect(inWindow.items.filter((r) => r.type === 'status.event_posted')).toHaveLength(12);
      expect(inWindow.items.every((r) => r.occurred_at >= windowStart && r.occurred_at < windowEnd)).toBe(true);
      const both = await page(`?type=status.event_posted&actor_id=${adminId}&from=${windowStart}&to=${windowEnd}`);
      expect(both.total).toBe(12);
      const oldest = (await page('?type=status.event_posted&page_size=100')).items.at(-1)!;
      const fromOldest = await page(`?type=status.event_posted&from=${oldest.occurred_at}`);
      expect(fromOldest.total).toBe(12);
      const toOldest = await page(`?type=status.event_posted&to=${oldest.occurred_at}`);
      expect(toOldest.total).toBe(0);
      expect((await page(`?from=${windowEnd}&type=status.event_posted`)).total).toBe(0);
    });

    it.each([
      ['?type=Auth.Login', 'type'],
      ['?type=nodot', 'type'],
      ['?actor_id=not-a-uuid', 'actor_id'],
      ['?from=yesterday', 'from'],
      ['?to=2026-13-01T00:00:00Z', 'to'],
      // ISO 8601 forms that are not RFC 3339 (Date cannot read them: they used to reach PostgreSQL and answer 500).
      ['?from=2027-W10-3', 'from'],
      ['?to=20270630T100000Z', 'to'],
      ['?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
      ['?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
      ['?page=0', 'page'],
      ['?page_size=101', 'page_size'],
      ['?sort=asc', 'sort'],
    ])('rejects %s with a 400 problem naming the field', async (query, field) => {
      const res = await get(`/audit/events${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(res.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });
  });

  describe('GET /api/v1/admin/logs', () => {
    it('returns the last N events as parsed JSON objects, oldest first, ending at the head of the chain', async () => {
      const res = await get('/admin/logs?limit=5');
      expect(res.statusCode).toBe(200);
      const { items } = res.json<{ items: Row[] }>();
      expect(items).toHaveLength(5);
      const rows = await tableRows();
      expect(items.map((r) => r.seq)).toEqual(rows.slice(-5).map((r) => r.seq));
      for (const item of items) {
        expect(typeof item).toBe('object');
        expect(item).toMatchObject({
          id: expect.any(String),
          type: expect.any(String),
          hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
        expect(typeof item.metadata).toBe('object');
      }
      // Each line links to the one before it.
      for (let i = 1; i < items.length; i++) expect(items[i].prev_hash).toBe(items[i - 1].hash);
    });

    it('defaults to 100 and allows up to 1000', async () => {
      const rows = await tableRows();
      const byDefault = (await get('/admin/logs')).json().items as Row[];
      expect(byDefault).toHaveLength(Math.min(100, rows.length));
      const many = (await get('/admin/logs?limit=1000')).json().items as Row[];
      expect(many).toHaveLength(Math.min(1000, rows.length));
    });

    it.each(['0', '1001', 'abc', '-1', '2.5'])('rejects limit=%s with a 400 problem', async (limit) => {
      const res = await get(`/admin/logs?limit=${limit}`);
      expect(res.statusCode).toBe(400);
      const errors = res.json().errors as { field: string }[];
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e.field === 'limit')).toBe(true);
    });

    it('is admin only', async () => {
      const user = remember((await person(t, 'nosy')).tokens);
      expect((await get('/admin/logs', user)).statusCode).toBe(403);
      expect((await get('/admin/logs', null)).statusCode).toBe(401);
    });
  });

  describe('tamper evidence', () => {
    it('verifies the chain so far', async () => {
      const report = await service().verify();
      expect(report).toMatchObject({ ok: true, problem: null, anchor: { seq: 0 } });
      expect(report.verified).toBe((await tableRows()).length);
      expect(report.head.seq).toBe(report.verified);
    });

    it('altering one row with SQL makes audit:verify fail naming that row (service and script)', async () => {
      const rows = await tableRows();
      const victim = rows[Math.floor(rows.length / 2)];
      const [original] = await t.db.query<{ metadata: unknown }>(`SELECT metadata FROM audit_events WHERE id = $1`, [victim.id]);
      await t.db.query(`UPDATE audit_events SET metadata = metadata || '{"tampered": true}'::jsonb WHERE id = $1`, [victim.id]);
      try {
        const report = await service().verify();
        expect(report.ok).toBe(false);
        expect(report.problem).toMatchObject({ kind: 'altered', id: victim.id, seq: victim.seq });
        expect(report.verified).toBe(victim.seq - 1);

        const failed = await runAuditVerify(t.db.url);
        expect(failed.code).toBe(1);
        expect(failed.stderr).toContain(`FAILED at row ${victim.id} (seq ${victim.seq})`);
      } finally {
        await t.db.query(`UPDATE audit_events SET metadata = $2::jsonb WHERE id = $1`, [
          victim.id,
          JSON.stringify(original.metadata),
        ]);
      }
      const passed = await runAuditVerify(t.db.url);
      expect(passed.code).toBe(0);
      expect(passed.stdout).toMatch(new RegExp(`audit:verify OK: ${rows.length} rows verified`));
    });

    it('an altered column, a deleted row and a row deleted from the end are each caught', async () => {
      const rows = await tableRows();
      const backup = async (id: string) =>
        (await t.db.query<Record<string, unknown>>(`SELECT to_jsonb(a) AS row FROM audit_events a WHERE id = $1`, [id]))[0].row;
      const put = (row: unknown) =>
        t.db.query(`INSERT INTO audit_events SELECT * FROM jsonb_populate_record(NULL::audit_events, $1::jsonb)`, [
          JSON.stringify(row),
        ]);

      const victim = rows[3];
      const original = await backup(victim.id);
      await t.db.query(`UPDATE audit_events SET actor_ip = '6.6.6.6' WHERE id = $1`, [victim.id]);
      expect((await service().verify()).problem).toMatchObject({ kind: 'altered', id: victim.id });
      await t.db.query(`DELETE FROM audit_events WHERE id = $1`, [victim.id]);
      await put(original);

      // A row taken out of the middle: named by the seq it leaves empty and the row after the gap.
      const middle = await backup(rows[5].id);
      await t.db.query(`DELETE FROM audit_events WHERE id = $1`, [rows[5].id]);
      expect((await service().verify()).problem).toMatchObject({ kind: 'missing', seq: rows[5].seq, id: rows[6].id });
      await put(middle);

      // The newest row removed: the recorded head still knows it existed.
      const last = await backup(rows.at(-1)!.id);
      await t.db.query(`DELETE FROM audit_events WHERE id = $1`, [rows.at(-1)!.id]);
      expect((await service().verify()).problem).toMatchObject({ kind: 'missing', seq: rows.at(-1)!.seq, id: null });
      await put(last);

      expect((await service().verify()).ok).toBe(true);
    });
  });

  describe('concurrent writers', () => {
    it('50 concurrent writers on two instances still yield one valid, gapless chain', async () => {
      const before = (await tableRows()).length;
      await withTestApp({ db: t.db }, async (second) => {
        const buses = [t.app.get(EventBus), second.app.get(EventBus)];
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            runWithRequestContext({ requestId: `writer-${i}`, ip: `198.51.100.${i}`, userAgent: 'writer', userId: null }, () =>
              buses[i % 2].publish('status.event_posted', {
                event_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
                service: `writer-${i}`,
                status: 'operational',
                by_user_id: adminId,
              }),
            ),
          ),
        );
      });
      const rows = await tableRows();
      expect(rows).toHaveLength(before + 50);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
      const written = await t.db.query<{ request_id: string; actor_ip: string }>(
        `SELECT request_id, actor_ip FROM audit_events WHERE request_id LIKE 'writer-%'`,
      );
      expect(new Set(written.map((w) => w.request_id)).size).toBe(50);
      expect(written.every((w) => w.actor_ip === `198.51.100.${w.request_id.slice(7)}`)).toBe(true);
      const report = await service().verify();
      expect(report).toMatchObject({ ok: true, verified: before + 50 });
      expect(report.head.seq).toBe(before + 50);
    });
    it('an append that loses the head to another instance seals its rows again on the new head, and counts it', async () => {
      const before = (await tableRows()).length;
      const retries = async (): Promise<number> =>
        (await t.app.get(Metrics).registry.getSingleMetric('audit_append_retries_total')?.get())?.values[0]?.value ?? 0;
      const counted = await retries();
      const posted = (service: string) => ({ event_id: adminId, service, status: 'operational' as const, by_user_id: null });
      await withTestApp({ db: t.db }, async (second) => {
        // The head is read as a prepared statement on a connection of this instance's pool.
        const pool = (t.app.get(DataSource).driver as unknown as { master: Pool }).master;
        const query = pool.query.bind(pool) as (config: QueryConfig) => Promise<QueryResult>;
        let raced = false;
        const spy = jest.spyOn(pool, 'query').mockImplementation((async (config: QueryConfig) => {
          const result = await query(config);
          if (!raced && config.text.includes('FROM "audit_chain" c')) {
            raced = true;
            // The other instance appends after this instance read the head and before it writes.
            await second.app.get(EventBus).publish('status.event_posted', posted('race-winner'));
          }
          return result;
        }) as never);
        try {
          await t.app.get(EventBus).publish('status.event_posted', posted('race-loser'));
        } finally {
          spy.mockRestore();
        }
        expect(raced).toBe(true);
      });
      const rows = await tableRows();
      expect(rows).toHaveLength(before + 2);
      const last = await t.db.query<{ seq: string; service: string }>(
        `SELECT seq, metadata->>'service' AS service FROM audit_events ORDER BY seq DESC LIMIT 2`,
      );
      // The winner appended first; the loser sealed its row again on the winner's head.
      expect(last.map((r) => r.service)).toEqual(['race-loser', 'race-winner']);
      expect(await t.db.query(`SELECT id FROM audit_outbox`)).toEqual([]);
      expect(await retries()).toBe(counted + 1);
      expect((await service().verify()).ok).toBe(true);
    });
  });

  describe('a write that fails', () => {
    const outboxOf = (service: string) =>
      t.db.query<{ attempts: number }>(`SELECT attempts FROM audit_outbox WHERE draft->'metadata'->>'service' = $1`, [service]);

    it('stays in the outbox (never lost, never fails the publisher), is parked and logged with the row after repeated failures, and is appended once fixed', async () => {
      const errors = jest.spyOn(Logger.prototype, 'error');
      const failures = async (): Promise<number> => {
        const metric = await t.app.get(Metrics).registry.getSingleMetric('audit_write_failures_total')?.get();
        return metric?.values.find((v) => v.labels.type === 'status.event_posted')?.value ?? 0;
      };
      const counted = await failures();
      const head = (await service().verify()).head;
      // A real database refusal: a constraint the row cannot satisfy.
      await t.db.query(`ALTER TABLE audit_events ADD CONSTRAINT ck_test_refuse CHECK (type <> 'status.event_posted') NOT VALID`);
      try {
        const res = await t.inject({
          method: 'POST',
          url: '/api/v1/status/events',
          payload: { service: 'audit-outage', status: 'major_outage', message: 'refused' },
          headers: { ...bearer(admin), 'x-request-id': 'refused-1' },
        });
        expect(res.statusCode).toBe(201);
        // In the outbox, tried and not yet parked (a drain kicked by other work may already have tried it twice).
        const [pending] = await outboxOf('audit-outage');
        expect(pending.attempts).toBeGreaterThanOrEqual(1);
        expect(pending.attempts).toBeLessThan(MAX_DRAIN_ATTEMPTS);
        expect(await failures()).toBe(counted);
        for (let i = 1; i < MAX_DRAIN_ATTEMPTS; i++) await service().drainOutbox();
        // Parked: left in the outbox, not retried, logged with the row and counted.
        expect(await outboxOf('audit-outage')).toEqual([{ attempts: MAX_DRAIN_ATTEMPTS }]);
        await service().drainOutbox();
        expect(await outboxOf('audit-outage')).toEqual([{ attempts: MAX_DRAIN_ATTEMPTS }]);
      } finally {
        await t.db.query(`ALTER TABLE audit_events DROP CONSTRAINT ck_test_refuse`);
      }
      expect(await failures()).toBe(counted + 1);
      const logged = errors.mock.calls.find(
        ([first]) => (first as { audit_event?: { type?: string } })?.audit_event?.type === 'status.event_posted',
      );
      expect(logged?.[0]).toMatchObject({
        audit_event: {
          type: 'status.event_posted',
          request_id: 'refused-1',
          actor_id: adminId,
          metadata: { service: 'audit-outage' },
        },
      });
      expect(String(logged?.[1])).toMatch(/Audit write failed/);
      expect(await service().verify()).toMatchObject({ ok: true, head });

      // The operator fixes the cause and releases the parked row: it joins the chain.
      await t.db.query(`UPDATE audit_outbox SET attempts = 0`);
      await service().drainOutbox();
      expect(await outboxOf('audit-outage')).toEqual([]);
      expect(await rowsOf('status.event_posted', { request_id: 'refused-1' })).toHaveLength(1);
      expect((await service().verify()).ok).toBe(true);
    });

    it('one bad row in a batch does not take the others with it', async () => {
      const before = (await tableRows()).length;
      const bus = t.app.get(EventBus);
      await t.db.query(`ALTER TABLE audit_events ADD CONSTRAINT ck_test_refuse CHECK (type <> 'status.event_posted') NOT VALID`);
      try {
        // Published together, so the drain takes them as one batch (group commit).
        await Promise.all([
          ...Array.from({ length: 9 }, (_, i) =>
            bus.publish('workspace.post_created', {
              post_id: `00000000-0000-4000-9000-00000000000${i}`,
              tenant_id: adminId,
              author_id: adminId,
              by_user_id: adminId,
            }),
          ),
          bus.publish('status.event_posted', { event_id: adminId, service: 'batch', status: 'operational', by_user_id: null }),
        ]);
        const rows = await tableRows();
        expect(rows).toHaveLength(before + 9);
        expect(rows.slice(-9).every((r) => r.type === 'workspace.post_created')).toBe(true);
        expect(await outboxOf('batch')).toHaveLength(1);
      } finally {
        await t.db.query(`ALTER TABLE audit_events DROP CONSTRAINT ck_test_refuse`);
      }
      await t.db.query(`UPDATE audit_outbox SET attempts = 0`);
      await service().drainOutbox();
      expect(await tableRows()).toHaveLength(before + 10);
      expect(await t.db.query(`SELECT id FROM audit_outbox`)).toEqual([]);
      expect((await service().verify()).ok).toBe(true);
    });
  });

  describe('the outbox (the record commits with the change)', () => {
    const posted = (service: string) => ({ event_id: adminId, service, status: 'operational' as const, by_user_id: null });
    const countWhere = async (table: 'audit_outbox' | 'audit_events', service: string): Promise<number> => {
      const column = table === 'audit_outbox' ? `draft->'metadata'->>'service'` : `metadata->>'service'`;
      const [{ n }] = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`, [service]);
      return Number(n);
    };

    it('a transaction that rolls back leaves no outbox row and no audit row; one that commits is on the chain when it returns', async () => {
      const dataSource = t.app.get(DataSource);
      const bus = t.app.get(EventBus);
      await expect(
        runInTransaction(dataSource, async () => {
          await bus.publish('status.event_posted', posted('rolled-back'));
          expect(await countWhere('audit_outbox', 'rolled-back')).toBe(0); // not visible outside the transaction
          throw new Error('the change fails after its event was published');
        }),
      ).rejects.toThrow(/the change fails/);
      expect(await countWhere('audit_outbox', 'rolled-back')).toBe(0);
      expect(await countWhere('audit_events', 'rolled-back')).toBe(0);

      await runInTransaction(dataSource, () => bus.publish('status.event_posted', posted('committed')));
      expect(await countWhere('audit_outbox', 'committed')).toBe(0);
      expect(await countWhere('audit_events', 'committed')).toBe(1);
      expect((await service().verify()).ok).toBe(true);
    });

    it('a change whose append failed (a database error after the commit) keeps its record in the outbox until a drain appends it', async () => {
      await t.db.query(`ALTER TABLE audit_events ADD CONSTRAINT ck_test_refuse CHECK (type <> 'auth.user_registered') NOT VALID`);
      let userId: string;
      try {
        const email = uniqueEmail('stalled');
        const res = await t.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { email, password: STRONG_PASSWORD },
        });
        expect(res.statusCode).toBe(201);
        userId = res.json<{ id: string }>().id;
        // (Registration also records the verification link it sent; this test is about the registration record.)
        const waiting = await t.db.query(
          `SELECT draft->>'type' AS type FROM audit_outbox WHERE draft->>'subject_id' = $1 AND draft->>'type' = 'auth.user_registered'`,
          [userId],
        );
        expect(waiting).toEqual([{ type: 'auth.user_registered' }]);
        expect(
          await t.db.query(`SELECT seq FROM audit_events WHERE subject_id = $1 AND type = 'auth.user_registered'`, [userId]),
        ).toEqual([]);
      } finally {
        await t.db.query(`ALTER TABLE audit_events DROP CONSTRAINT ck_test_refuse`);
      }
      await service().drainOutbox();
      expect(await t.db.query(`SELECT id FROM audit_outbox`)).toEqual([]);
      expect(
        await t.db.query(`SELECT type FROM audit_events WHERE subject_id = $1 AND type = 'auth.user_registered'`, [userId]),
      ).toEqual([{ type: 'auth.user_registered' }]);
      expect((await service().verify()).ok).toBe(true);
    });

    it('two instances draining the same backlog at once append each row exactly once, in one valid, gapless chain', async () => {
      // Earlier tests' mail (verification links) is delivered in the background and audited: let it finish first.
      await settled(t);
      const before = (await tableRows()).length;
      const drafts = Array.from({ length: 450 }, (_, i) => ({
        occurred_at: new Date().toISOString(),
        type: 'status.event_posted',
        actor_id: null,
        actor_ip: null,
        user_agent: null,
        subject_type: 'status_event',
        subject_id: `backlog-${i}`,
        outcome: 'success',
        request_id: `backlog-${i}`,
        metadata: { service: 'backlog' },
      }));
      // A backlog as a crashed instance leaves it: committed rows nobody drained.
      await t.db.query(`INSERT INTO audit_outbox (draft) SELECT value FROM jsonb_array_elements($1::jsonb)`, [
        JSON.stringify(drafts),
      ]);
      await withTestApp({ db: t.db, env: { AUDIT_OUTBOX_SWEEP_MS: '3600000' } }, async (second) => {
        await Promise.all([service().drainOutbox(), second.app.get(AuditService).drainOutbox(), service().drainOutbox()]);
      });
      expect(await t.db.query(`SELECT id FROM audit_outbox`)).toEqual([]);
      const rows = await tableRows();
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1 + (rows[0]?.seq ?? 1) - 1));
      const appended = await t.db.query<{ request_id: string; n: string }>(
        `SELECT request_id, count(*) AS n FROM audit_events WHERE request_id LIKE 'backlog-%' GROUP BY request_id`,
      );
      expect(appended).toHaveLength(450);
      expect(appended.every((a) => a.n === '1')).toBe(true);
      expect(rows.length).toBe(before + 450);
      expect((await service().verify()).ok).toBe(true);
    });
  });

  describe('retention', () => {
    let archivedCount = 0;

    it('the daily job archives rows older than AUDIT_RETENTION_DAYS as gzipped JSONL, deletes them, and the chain still verifies', async () => {
      const old = await tableRows();
      const oldest = old[old.length - 1];
      // Rows from here on are newer than everything above.
      const lastOld = Date.parse(
        (await t.db.query<{ at: Date }>(`SELECT max(occurred_at) AS at FROM audit_events`))[0].at.toISOString(),
      );
      while (Date.now() <= lastOld + 2) await new Promise((r) => setTimeout(r, 2));
      for (let i = 0; i < 3; i++) {
        await t.inject({
          method: 'POST',
          url: '/api/v1/status/events',
          payload: { service: `kept-${i}`, status: 'operational', message: 'kept' },
          headers: bearer(admin),
        });
      }
      const kept = (await tableRows()).length - old.length;
      expect(kept).toBe(3);

      // 365 days after the last old row: everything up to it is due, the three new rows are not.
      const clock = jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(new Date(lastOld + 1 + 365 * DAY_MS));
      const logs = jest.spyOn(Logger.prototype, 'log');
      await service().retentionScheduled();
      // Back to today: the admin's session would have idled out a year from now.
      clock.mockRestore();

      const files = readdirSync(archiveDir);
      expect(files).toEqual([`audit-events-000000000001-${String(oldest.seq).padStart(12, '0')}.jsonl.gz`]);
      const archived = await readArchive(join(archiveDir, files[0]));
      expect(archived.map((r) => r.seq)).toEqual(old.map((r) => r.seq));
      expect(archived.map((r) => r.id)).toEqual(old.map((r) => r.id));
      archivedCount = archived.length;

      const remaining = await tableRows();
      expect(remaining).toHaveLength(3);
      expect(remaining[0].seq).toBe(oldest.seq + 1);
      const [chain] = await t.db.query<{ anchor_seq: string; anchor_hash: string }>(
        `SELECT anchor_seq, anchor_hash FROM audit_chain`,
      );
      expect(Number(chain.anchor_seq)).toBe(oldest.seq);
      expect(chain.anchor_hash).toBe(archived.at(-1)!.hash);

      const report = await service().verify();
      expect(report).toMatchObject({ ok: true, verified: 3, anchor: { seq: oldest.seq } });
      // The run logs the chain head, anchoring it outside the database.
      expect(logs).toHaveBeenCalledWith(
        expect.objectContaining({
          audit_head_seq: report.head.seq,
          audit_head_hash: report.head.hash,
          audit_anchor_seq: oldest.seq,
        }),
        expect.stringContaining('Audit chain head'),
      );
      expect(await service().verify({ archiveDir })).toMatchObject({ ok: true, verified: 3, archivedVerified: archivedCount });
      expect((await page()).total).toBe(3 + 0);

      const script = await runAuditVerify(t.db.url, ['--archives', archiveDir]);
      expect(script.code).toBe(0);
      expect(script.stdout).toContain(`3 rows verified`);
      expect(script.stdout).toContain(`${archivedCount} archived rows`);
    });

    it('runs once per day slot: calling it again the same day does nothing', async () => {
      const later = new Date(Date.now() + 10 * 365 * DAY_MS);
      const clock = jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(later);
      await service().retentionScheduled();
      const afterFirst = readdirSync(archiveDir).length;
      expect((await tableRows()).length).toBe(0);
      // The admin's session lives today (ten years on it would have idled out); the job runs ten years on.
      clock.mockRestore();
      await t.inject({
        method: 'POST',
        url: '/api/v1/status/events',
        payload: { service: 'late', status: 'operational', message: 'm' },
        headers: bearer(admin),
      });
      jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(later);
      await service().retentionScheduled();
      expect(readdirSync(archiveDir)).toHaveLength(afterFirst);
      expect((await tableRows()).length).toBe(1);
      expect((await service().verify({ archiveDir })).ok).toBe(true);
    });

    it('two instances running the job at once archive each row exactly once', async () => {
      for (let i = 0; i < 4; i++) {
        await t.inject({
          method: 'POST',
          url: '/api/v1/status/events',
          payload: { service: `twin-${i}`, status: 'operational', message: 'm' },
          headers: bearer(admin),
        });
      }
      const due = (await tableRows()).length;
      const filesBefore = readdirSync(archiveDir).length;
      const later = new Date(Date.now() + 20 * 365 * DAY_MS);
      await withTestApp({ db: t.db, env: { AUDIT_ARCHIVE_DIR: archiveDir } }, async (second) => {
        jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(later);
        jest.spyOn(second.app.get(Clock), 'now').mockReturnValue(later);
        await Promise.all([service().retentionScheduled(), second.app.get(AuditService).retentionScheduled()]);
      });
      expect(readdirSync(archiveDir)).toHaveLength(filesBefore + 1);
      expect((await tableRows()).length).toBe(0);
      const report = await service().verify({ archiveDir });
      expect(report).toMatchObject({ ok: true, verified: 0 });
      expect(report.archivedVerified).toBe(report.anchor.seq);
      expect(due).toBeGreaterThan(0);
    });

    it('refuses to archive rows that do not verify: they stay as evidence', async () => {
      for (let i = 0; i < 3; i++) {
        await t.inject({
          method: 'POST',
          url: '/api/v1/status/events',
          payload: { service: `bad-${i}`, status: 'operational', message: 'm' },
          headers: bearer(admin),
        });
      }
      const rows = await tableRows();
      await t.db.query(`UPDATE audit_events SET type = 'auth.nothing_to_see' WHERE id = $1`, [rows[1].id]);
      const files = readdirSync(archiveDir).length;
      await expect(service().archiveExpired(new Date(Date.now() + 30 * 365 * DAY_MS))).rejects.toMatchObject({
        code: 'audit_chain_broken',
        message: expect.stringContaining(rows[1].id),
      });
      expect(readdirSync(archiveDir)).toHaveLength(files);
      expect(await tableRows()).toHaveLength(rows.length);
      expect((await service().verify()).problem).toMatchObject({ kind: 'altered', id: rows[1].id });
      await t.db.query(`UPDATE audit_events SET type = 'status.event_posted' WHERE id = $1`, [rows[1].id]);
      expect((await service().verify({ archiveDir })).ok).toBe(true);
    });
  });

  describe('database privileges (docs/audit.md)', () => {
    const role = `bastion_test_audit_app_${Date.now().toString(36)}`;
    const password = 'audit-role-password-1';

    beforeAll(async () => {
      await t.db.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await t.db.query(`GRANT CONNECT ON DATABASE "${t.db.name}" TO ${role}`);
      await t.db.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await t.db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
      await t.db.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
      // The application role may append and read the trail, but never change or remove it.
      await t.db.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM ${role}`);
      await t.db.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain FROM ${role}`);
      await t.db.query(`GRANT UPDATE (head_seq, head_hash) ON audit_chain TO ${role}`);
    });
    afterAll(async () => {
      await t.db.query(`DROP OWNED BY ${role}`);
      await t.db.query(`DROP ROLE ${role}`);
    });

    it('an app role with INSERT and SELECT only still writes the chain; it cannot alter or delete rows; retention deletes through its own role', async () => {
      const url = asRole(t.db.url, role, password);
      await withTestApp(
        { db: t.db, env: { DATABASE_URL: url, DB_MIGRATE_ON_START: 'false', AUDIT_ARCHIVE_DIR: archiveDir } },
        async (restricted) => {
          const email = uniqueEmail('restricted');
          const created = await restricted.inject({
            method: 'POST',
            url: '/api/v1/auth/register',
            payload: { email, password: STRONG_PASSWORD },
            headers: { 'x-request-id': 'restricted-1' },
          });
          expect(created.statusCode).toBe(201);
          expect(await rowsOf('auth.user_registered', { request_id: 'restricted-1' })).toHaveLength(1);

          const ds = restricted.app.get(DataSource);
          await expect(ds.query(`UPDATE audit_events SET type = 'x.y'`)).rejects.toThrow(/permission denied/);
          await expect(ds.query(`DELETE FROM audit_events`)).rejects.toThrow(/permission denied/);
          await expect(ds.query(`UPDATE audit_chain SET anchor_seq = 0`)).rejects.toThrow(/permission denied/);

          // Without a retention role, the job cannot delete: the rows stay, no archive file claims
          // otherwise, and the chain is unharmed.
          const files = readdirSync(archiveDir).length;
          await expect(restricted.app.get(AuditService).archiveExpired(new Date(Date.now() + 40 * 365 * DAY_MS))).rejects.toThrow(
            /permission denied/,
          );
          expect(readdirSync(archiveDir)).toHaveLength(files);
          expect((await tableRows()).length).toBeGreaterThan(0);
          expect((await service().verify({ archiveDir })).ok).toBe(true);
        },
      );

      await withTestApp(
        {
          db: t.db,
          env: {
            DATABASE_URL: url,
            DB_MIGRATE_ON_START: 'false',
            AUDIT_ARCHIVE_DIR: archiveDir,
            AUDIT_RETENTION_DATABASE_URL: t.db.url,
          },
        },
        async (restricted) => {
          const result = await restricted.app.get(AuditService).archiveExpired(new Date(Date.now() + 40 * 365 * DAY_MS));
          expect(result.archived).toBeGreaterThan(0);
          expect(await tableRows()).toHaveLength(0);
        },
      );
      expect(await service().verify({ archiveDir })).toMatchObject({ ok: true, verified: 0 });
    });
  });

  it('no password, token or refresh token the suite used appears in any audit row or archive', async () => {
    const [{ dump }] = await t.db.query<{ dump: string | null }>(
      `SELECT string_agg(row_to_json(a)::text, E'\\n') AS dump FROM audit_events a`,
    );
    const archived = (await Promise.all(readdirSync(archiveDir).map((f) => readArchive(join(archiveDir, f))))).flat();
    const everything = `${dump ?? ''}\n${JSON.stringify(archived)}`;
    expect(archived.length).toBeGreaterThan(50);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('the entities and the migration describe the same audit tables', async () => {
    const sql = await t.app.get(DataSource).driver.createSchemaBuilder().log();
    const ours = [...sql.upQueries, ...sql.downQueries].map((q) => q.query).filter((q) => /audit_(events|chain)/.test(q));
    expect(ours).toEqual([]);
  });
});
