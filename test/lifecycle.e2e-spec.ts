import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startService, stopService, waitForListening, type RunningService } from './support/process';

jest.setTimeout(120_000);

describe('process lifecycle (e2e, the real entry point in its own process)', () => {
  let db: TestDatabase;
  const running: RunningService[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('lifecycle');
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => stopService(s, 'SIGKILL')));
    await db.drop();
  });

  it('refuses to start in production without its secrets, listing every problem', async () => {
    const service = startService({ APP_ENV: 'production', JWT_SECRET: 'short' });
    running.push(service);
    const code = await service.exited;
    expect(code).not.toBe(0);
    const output = service.output();
    expect(output).toContain('refuses to start');
    expect(output).toContain('DATABASE_URL');
    expect(output).toMatch(/JWT_SECRET: is too short/);
  });

  it('treats a policy-breaking ADMIN_PASSWORD as a configuration problem: exits 1 at once, listing it with the rest', async () => {
    const service = startService({
      APP_ENV: 'test',
      DATABASE_URL: db.url,
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: 'password123',
      FILES_MAX_BYTES: 'lots',
      NOTIFICATIONS_MAX_ATTEMPTS: '0',
    });
    running.push(service);
    expect(await service.exited).toBe(1);
    const output = service.output();
    // One bad value in each of three contexts (identity, files, notifications): all three listed.
    expect(output).toContain('Bastion refuses to start. Invalid configuration (3 problems)');
    expect(output).toMatch(/ADMIN_PASSWORD: breaks the password policy: .*at least 12 characters/);
    expect(output).toContain('FILES_MAX_BYTES: must be a whole number');
    expect(output).toContain('NOTIFICATIONS_MAX_ATTEMPTS: must be between 1 and 50');
    expect(output).not.toContain('listening on');
  });

  it('refuses to start in production when its queries would run as a role that bypasses row-level security', async () => {
    const production = {
      APP_ENV: 'production',
      DATABASE_URL: db.url, // the test cluster's superuser
      DB_MIGRATE_ON_START: 'true',
      JWT_SECRET: 'p9G$vR2!kL7#qW4@zX8%mN3^bT6&yH1*cJ5(fD0)sA9-eU2+iO7=lP4~gK8?rM1;',
      MFA_ENCRYPTION_KEYS: `prod1:${Buffer.alloc(32, 3).toString('base64')}`,
      METRICS_TOKEN: 'scrape-token-0123456789abcdef',
    };
    const bypassing = startService(production);
    running.push(bypassing);
    expect(await bypassing.exited).toBe(1);
    // (The fatal line is JSON: the role's quotes come escaped.)
    expect(bypassing.output()).toMatch(/refuses to start: the database role \\?"\w+\\?" is a superuser/);
    expect(bypassing.output()).not.toContain('listening on');

    // The same login with a runtime role: the queries run as a role row-level security applies to.
    const confined = startService({ ...production, DB_RUNTIME_ROLE: 'bastion_runtime' });
    running.push(confined);
    await waitForListening(confined);
    await stopService(confined, 'SIGTERM');
  });

  it('a start that fails after the embedded PostgreSQL is up (port taken) exits 1 with one fatal line and stops the cluster', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'bastion-failed-start-'));
    chmodSync(parent, 0o755);
    const dir = join(parent, 'postgres');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const service = startService({ APP_ENV: 'development', EMBEDDED_PG_DIR: dir, PORT: String(taken) });
      running.push(service);
      expect(await service.exited).toBe(1);
      const fatal = service.logLines().filter((l) => l.level === 60);
      expect(fatal).toEqual([
        expect.objectContaining({ msg: expect.stringMatching(/^Bastion failed to start: listen EADDRINUSE/) }),
      ]);
      expect(service.output()).toContain('Embedded PostgreSQL stopped');
      expect(service.output()).not.toContain('listening on');
      // Its cluster is gone: nothing answers on the port it logged.
      const port = /127\.0\.0\.1:(\d+)\/bastion/.exec(service.output())?.[1];
      expect(port).toBeDefined();
      await expect(withClient(`postgres://postgres:postgres@127.0.0.1:${port}/bastion`, () => Promise.resolve())).rejects.toThrow(
        /ECONNREFUSED/,
      );
    } finally {
      blocker.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('logs JSON lines with the request id, drains on SIGTERM (readiness 503 first) and exits 0', async () => {
    const service = startService({ APP_ENV: 'test', DATABASE_URL: db.url, SHUTDOWN_GRACE_MS: '1500' });
    running.push(service);
    const base = await waitForListening(service);

    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    expect((await fetch(`${base}/health/live`, { headers: { 'x-request-id': 'probe-1' } })).status).toBe(200);
    const notFound = await fetch(`${base}/api/v1/nope`, {
      headers: {
        'x-request-id': 'trace-me-123',
        authorization: 'Bearer super-secret-token',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    });
    expect(notFound.status).toBe(404);
    const report = await fetch(`${base}/api/v1/security/csp-report`, {
      method: 'POST',
      headers: { 'content-type': 'application/csp-report', 'x-request-id': 'csp-report-1' },
      body: JSON.stringify({ 'csp-report': { 'violated-directive': 'img-src', 'blocked-uri': 'https://x.example/a.png' } }),
    });
    expect(report.status).toBe(204);
    await new Promise((r) => setTimeout(r, 200));
    const access = service.logLines().find((l) => l.request_id === 'trace-me-123');
    expect(access).toMatchObject({
      method: 'GET',
      url: '/api/v1/nope',
      status: 404,
      duration_ms: expect.any(Number),
      ip: '127.0.0.1',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(service.output()).not.toContain('super-secret-token');
    // Probes are not access-logged: an orchestrator calls them every few seconds on every instance.
    expect(service.logLines().filter((l) => l.request_id === 'probe-1' || String(l.url).startsWith('/health/'))).toEqual([]);
    // The violation is one structured warning line, tied to its request.
    expect(service.logLines().find((l) => l.event === 'csp_violation')).toMatchObject({
      level: 40,
      request_id: 'csp-report-1',
      directive: 'img-src',
      blocked_uri: 'https://x.example/a.png',
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });

    service.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 400));
    const draining = await fetch(`${base}/health/ready`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ code: 'not_ready', checks: { lifecycle: { status: 'down' } } });

    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/Shutdown complete in \d+ ms/);
  });

  it('starts on an embedded PostgreSQL when DATABASE_URL is unset, and keeps its data across a restart', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'bastion-embedded-'));
    chmodSync(parent, 0o755);
    const dir = join(parent, 'postgres');
    try {
      const first = startService({ APP_ENV: 'development', EMBEDDED_PG_DIR: dir, SHUTDOWN_GRACE_MS: '300' });
      running.push(first);
      const base = await waitForListening(first);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const port = /127\.0\.0\.1:(\d+)\/bastion/.exec(first.output())?.[1];
      expect(port).toBeDefined();
      await withClient(`postgres://postgres:postgres@127.0.0.1:${port}/bastion`, async (c) => {
        await c.query(`INSERT INTO job_runs (job, slot, instance_id) VALUES ('kept', now(), 'restart-test')`);
      });
      expect(await stopService(first)).toBe(0);
      expect(first.output()).toContain('Embedded PostgreSQL stopped');

      const second = startService({ APP_ENV: 'development', EMBEDDED_PG_DIR: dir });
      running.push(second);
      const base2 = await waitForListening(second);
      expect((await fetch(`${base2}/health/ready`)).status).toBe(200);
      const port2 = /127\.0\.0\.1:(\d+)\/bastion/.exec(second.output())?.[1];
      await withClient(`postgres://postgres:postgres@127.0.0.1:${port2}/bastion`, async (c) => {
        const rows = await c.query(`SELECT instance_id FROM job_runs WHERE job = 'kept'`);
        expect(rows.rows).toEqual([{ instance_id: 'restart-test' }]);
      });
      expect(await stopService(second)).toBe(0);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

async function withClient(url: string, fn: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
