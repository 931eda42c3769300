import { DataSource } from 'typeorm';
import { LATEST_PER_SERVICE_SQL, SERVICE_STATUSES, type ServiceStatus, StatusService } from '../src/contexts/status/testing';
import { createTestApp, type TestApp } from './support/app';
import { bearer, loginPerson, person, type Tokens } from './support/auth';
import { captureEvents, type CapturedEvent } from './support/events';

const ADMIN_EMAIL = 'status.admin@example.com';
const ADMIN_PASSWORD = 'status-admin-passphrase-Gl4ss-H0use';

describe('status page (e2e)', () => {
  let t: TestApp;
  let admin: Tokens;
  let adminId: string;
  let user: Tokens;
  let published: CapturedEvent[];

  const post = (tokens: Tokens | null, payload: unknown) =>
    t.inject({ method: 'POST', url: '/api/v1/status/events', payload: payload as object, headers: tokens ? bearer(tokens) : {} });

  async function postOk(
    service: string,
    status: ServiceStatus,
    message = `${service} is ${status}`,
  ): Promise<Record<string, unknown>> {
    const res = await post(admin, { service, status, message });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  const page = async (query = '', tokens: Tokens = user) => {
    const res = await t.inject({ method: 'GET', url: `/api/v1/status/events${query}`, headers: bearer(tokens) });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  const summary = async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/status' });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
    published = captureEvents(t).events;
    const root = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    admin = root.tokens;
    adminId = root.id;
    user = (await person(t, 'status')).tokens;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /api/v1/status (public)', () => {
    it('is operational with no services before anything was posted, without any token', async () => {
      const res = await t.inject({ method: 'GET', url: '/api/v1/status' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ overall: 'operational', services: [] });
      expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    });

    it('answers 304 to a matching If-None-Match, and a new ETag once something is posted', async () => {
      const first = await t.inject({ method: 'GET', url: '/api/v1/status' });
      const again = await t.inject({
        method: 'GET',
        url: '/api/v1/status',
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      await postOk('etag-probe', 'operational');
      const changed = await t.inject({
        method: 'GET',
        url: '/api/v1/status',
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      expect(changed.statusCode).toBe(200);
      expect(changed.headers.etag).not.toBe(first.headers.etag);
    });
  });

  describe('POST /api/v1/status/events (admin)', () => {
    it('is 401 without a token and 403 for a plain user', async () => {
      const payload = { service: 'api', status: 'operational', message: 'fine' };
      const anonymous = await post(null, payload);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
      const forbidden = await post(user, payload);
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json().code).toBe('forbidden');
      const rows = await t.db.query(`SELECT 1 FROM status_events WHERE service = 'api'`);
      expect(rows).toHaveLength(0);
    });

    it('201 with the stored event, and publishes status.event_posted', async () => {
      const res = await post(admin, { service: 'billing', status: 'degraded_performance', message: 'Slow invoices' });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        service: 'billing',
        status: 'degraded_performance',
        message: 'Slow invoices',
        created_by: adminId,
        created_at: expect.any(String),
      });
      expect(new Date(body.created_at).toISOString()).toBe(body.created_at);
      expect(published).toContainEqual({
        name: 'status.event_posted',
        payload: expect.objectContaining({
          event_id: body.id,
          service: 'billing',
          status: 'degraded_performance',
          by_user_id: adminId,
        }),
      });
    });

    it('a retried post with the same Idempotency-Key records one event and replays the first answer', async () => {
      const headers = { ...bearer(admin), 'idempotency-key': 'status-post-retry-1' };
      const payload = { service: 'retry-probe', status: 'partial_outage', message: 'Investigating' };
      const first = await t.inject({ method: 'POST', url: '/api/v1/status/events', payload, headers });
      expect(first.statusCode).toBe(201);
      const retry = await t.inject({ method: 'POST', url: '/api/v1/status/events', payload, headers });
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json()).toEqual(first.json());
      expect(await t.db.query(`SELECT id FROM status_events WHERE service = 'retry-probe'`)).toHaveLength(1);
    });

    it.each([
      ['an upper-case service', { service: 'API', status: 'operational', message: 'm' }, 'service'],
      ['a service with spaces', { service: 'web app', status: 'operational', message: 'm' }, 'service'],
      ['a service with underscores', { service: 'web_app', status: 'operational', message: 'm' }, 'service'],
      ['a dangling hyphen', { service: 'api-', status: 'operational', message: 'm' }, 'service'],
      ['a too long service', { service: 'a'.repeat(65), status: 'operational', message: 'm' }, 'service'],
      ['a missing service', { status: 'operational', message: 'm' }, 'service'],
      ['an unknown status', { service: 'api', status: 'down', message: 'm' }, 'status'],
      ['a missing status', { service: 'api', message: 'm' }, 'status'],
      ['an empty message', { service: 'api', status: 'operational', message: '' }, 'message'],
      ['a too long message', { service: 'api', status: 'operational', message: 'x'.repeat(2001) }, 'message'],
      ['an unknown field', { service: 'api', status: 'operational', message: 'm', severity: 3 }, 'severity'],
    ])('rejects %s with a 400 problem naming the field', async (_label, payload, field) => {
      const res = await post(admin, payload);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });
  });

  describe('roll-up', () => {
    // The services posted so far in this file are operational or degraded; start a clean page.
    beforeAll(async () => {
      await t.app.get(DataSource).query(`DELETE FROM status_events`);
    });

    it('shows each of the five statuses per service, and the worst one overall', async () => {
      for (const status of SERVICE_STATUSES) await postOk(`svc-${status.replace(/_/g, '-')}`, status);
      const body = await summary();
      expect(body.overall).toBe('major_outage');
      expect(body.services.map((s: { service: string; status: string }) => [s.service, s.status])).toEqual(
        [...SERVICE_STATUSES].sort().map((status) => [`svc-${status.replace(/_/g, '-')}`, status]),
      );
      for (const s of body.services) {
        expect(Object.keys(s).sort()).toEqual(['message', 'service', 'status', 'updated_at']);
        expect(s.message).toBe(`${s.service} is ${s.status}`);
      }
    });

    it('walks the overall status down the severity order as services recover', async () => {
      // major_outage > partial_outage > degraded_performance > under_maintenance > operational
      await postOk('svc-major-outage', 'operational');
      expect((await summary()).overall).toBe('partial_outage');
      await postOk('svc-partial-outage', 'operational');
      expect((await summary()).overall).toBe('degraded_performance');
      await postOk('svc-degraded-performance', 'operational');
      expect((await summary()).overall).toBe('under_maintenance');
      await postOk('svc-under-maintenance', 'operational');
      const body = await summary();
      expect(body.overall).toBe('operational');
      expect(body.services.every((s: { status: string }) => s.status === 'operational')).toBe(true);
    });

    it('maintenance does not outrank an outage or a degradation', async () => {
      await postOk('svc-under-maintenance', 'under_maintenance');
      await postOk('svc-partial-outage', 'partial_outage');
      expect((await summary()).overall).toBe('partial_outage');
      await postOk('svc-partial-outage', 'degraded_performance');
      expect((await summary()).overall).toBe('degraded_performance');
      await postOk('svc-partial-outage', 'operational');
      expect((await summary()).overall).toBe('under_maintenance');
    });

    it('a service’s status, message and updated_at are its latest event’s', async () => {
      await postOk('svc-major-outage', 'major_outage', 'Database unreachable');
      const latest = await postOk('svc-major-outage', 'partial_outage', 'Failing over');
      const body = await summary();
      const svc = body.services.find((s: { service: string }) => s.service === 'svc-major-outage');
      expect(svc).toEqual({
        service: 'svc-major-outage',
        status: 'partial_outage',
        message: 'Failing over',
        updated_at: latest.created_at,
      });
      expect(body.overall).toBe('partial_outage');
    });

    it('the planner reads the latest events through the (service, created_at DESC) index, not a sort', async () => {
      const runner = t.app.get(DataSource).createQueryRunner();
      try {
        // A realistic history (20 000 events over 8 services), planned with fresh statistics, then thrown away.
        await runner.startTransaction();
        // ANALYZE needs the table's owner: the login, not the runtime role (undone with the transaction).
        await runner.query(`SELECT set_config('role', session_user, true)`);
        await runner.query(
          `INSERT INTO status_events (service, status, message, created_at)
           SELECT 'plan-' || (i % 8), 'operational', 'm', now() - make_interval(secs => i) FROM generate_series(1, 20000) i`,
        );
        await runner.query('ANALYZE status_events');
        const plan = (await runner.query(`EXPLAIN ${LATEST_PER_SERVICE_SQL}`)) as { 'QUERY PLAN': string }[];
        const text = plan.map((row) => row['QUERY PLAN']).join('\n');
        expect(text).toMatch(/Index (Only )?Scan using ix_status_events_service_created/);
        expect(text).not.toMatch(/Seq Scan|Sort/);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    });
  });

  describe('GET /api/v1/status/events', () => {
    beforeAll(async () => {
      await t.app.get(DataSource).query(`DELETE FROM status_events`);
      // 25 events, alternating services, strictly increasing created_at.
      for (let i = 1; i <= 25; i += 1) await postOk(i % 2 === 0 ? 'feed-even' : 'feed-odd', 'operational', `event ${i}`);
    });

    it('is 401 without a token', async () => {
      expect((await t.inject({ method: 'GET', url: '/api/v1/status/events' })).statusCode).toBe(401);
    });

    it('pages newest first with the standard block', async () => {
      const first = await page('?page=1&page_size=10');
      expect(first).toMatchObject({ total: 25, page: 1, page_size: 10, pages: 3 });
      expect(first.items.map((e: { message: string }) => e.message)).toEqual(
        Array.from({ length: 10 }, (_, i) => `event ${25 - i}`),
      );
      const last = await page('?page=3&page_size=10');
      expect(last.items.map((e: { message: string }) => e.message)).toEqual([
        'event 5',
        'event 4',
        'event 3',
        'event 2',
        'event 1',
      ]);
      const beyond = await page('?page=4&page_size=10');
      expect(beyond).toMatchObject({ items: [], total: 25, page: 4, pages: 3 });
      const times = first.items.map((e: { created_at: string }) => Date.parse(e.created_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('is readable by a plain user and defaults to 20 per page', async () => {
      const body = await page('', user);
      expect(body).toMatchObject({ total: 25, page: 1, page_size: 20, pages: 2 });
      expect(body.items).toHaveLength(20);
    });

    it('filters by service', async () => {
      const even = await page('?service=feed-even&page_size=100');
      expect(even.total).toBe(12);
      expect(even.items.every((e: { service: string }) => e.service === 'feed-even')).toBe(true);
      expect(even.items[0].message).toBe('event 24');
      const none = await page('?service=unknown-service');
      expect(none).toMatchObject({ items: [], total: 0, pages: 0 });
    });

    it('sends a strong ETag and Cache-Control: private, no-cache; 304 when unchanged', async () => {
      const res = await t.inject({ method: 'GET', url: '/api/v1/status/events', headers: bearer(user) });
      expect(res.headers['cache-control']).toBe('private, no-cache');
      const again = await t.inject({
        method: 'GET',
        url: '/api/v1/status/events',
        headers: { ...bearer(user), 'if-none-match': String(res.headers.etag) },
      });
      expect(again.statusCode).toBe(304);
    });

    it.each([
      ['?service=Not%20A%20Slug', 'service'],
      ['?page=0', 'page'],
      ['?page_size=101', 'page_size'],
      ['?page=abc', 'page'],
      ['?sort=asc', 'sort'],
    ])('rejects %s with a 400 problem', async (query, field) => {
      const res = await t.inject({ method: 'GET', url: `/api/v1/status/events${query}`, headers: bearer(user) });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });
  });

  it('StatusService (the public API) enforces the same rules for other callers, and accepts no author', async () => {
    const service = t.app.get(StatusService);
    await expect(
      service.post({ service: 'Bad Service', status: 'down' as ServiceStatus, message: 'x' }, null),
    ).rejects.toMatchObject({
      status: 400,
      code: 'validation_failed',
      options: { errors: [expect.objectContaining({ field: 'service' }), expect.objectContaining({ field: 'status' })] },
    });
    const automated = await service.post(
      { service: 'health-monitor', status: 'degraded_performance', message: 'p99 > 2 s' },
      null,
    );
    expect(automated).toMatchObject({ service: 'health-monitor', created_by: null });
    expect(await t.db.query(`SELECT 1 FROM status_events WHERE service IN ('bad service', 'Bad Service')`)).toHaveLength(0);
  });

  it('the entity and the migration describe the same status_events table', async () => {
    const sql = await t.app.get(DataSource).driver.createSchemaBuilder().log();
    const ours = [...sql.upQueries, ...sql.downQueries].map((q) => q.query).filter((q) => q.includes('status_events'));
    expect(ours).toEqual([]);
  });
});
