import { Agent, request } from 'node:http';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startService, stopService, waitForListening, type RunningService } from './support/process';

jest.setTimeout(120_000);

interface Outcome {
  status?: number;
  connection?: string;
  error?: string;
  /** Sent after SIGTERM: during the drain. */
  draining?: boolean;
}

/** One GET on a keep-alive agent: its status and `Connection` header, or the socket error code. */
function get(agent: Agent, url: URL, headers: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: String(res.headers.connection) }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

describe('graceful shutdown under keep-alive load (e2e, the real entry point on a real port)', () => {
  let db: TestDatabase;
  let service: RunningService;

  beforeAll(async () => {
    db = await createTestDatabase('shutdown');
  });
  afterAll(async () => {
    if (service) await stopService(service, 'SIGKILL');
    await db.drop();
  });

  it('serves every request sent before the listener closed, with Connection: close while draining, and exits 0', async () => {
    service = startService({
      APP_ENV: 'test',
      DATABASE_URL: db.url,
      SHUTDOWN_GRACE_MS: '1500',
      RATE_LIMIT_IP: '100000/1m',
      RATE_LIMIT_USER: '100000/1m',
    });
    const base = await waitForListening(service);
    const email = `drain-${Date.now()}@example.com`;
    const password = 'correct-horse-battery-staple-42';
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await post('/api/v1/auth/register', { email, password })).status).toBe(201);
    const { access_token } = await json<{ access_token: string }>(await post('/api/v1/auth/token', { email, password }));
    const auth = { authorization: `Bearer ${access_token}` };
    const project = await json<{ id: string }>(await post('/api/v1/projects', { name: 'read under load' }, auth));
    const item = new URL(`${base}/api/v1/projects/${project.id}`);

    // Ten keep-alive clients reading the item in a loop until the listener refuses them.
    const agent = new Agent({ keepAlive: true, maxSockets: 10 });
    const outcomes: Outcome[] = [];
    let signalled = false;
    const client = async (): Promise<void> => {
      for (let i = 0; i < 5000; i++) {
        const draining = signalled;
        const outcome = { ...(await get(agent, item, auth)), draining };
        outcomes.push(outcome);
        // Refused connections were never sent: the listener had closed. That is the end.
        if (outcome.error === 'ECONNREFUSED') return;
        if (outcome.error && !signalled) throw new Error(`request failed before SIGTERM: ${outcome.error}`);
      }
    };
    const clients = Array.from({ length: 10 }, client);
    // Signal once every client is reading (however fast this machine is).
    while (outcomes.length < 20) await new Promise((r) => setTimeout(r, 10));
    signalled = true;
    service.child.kill('SIGTERM');
    await Promise.all(clients);
    agent.destroy();

    expect(await service.exited).toBe(0);
    const failed = outcomes.filter((o) => o.status !== 200 && o.error !== 'ECONNREFUSED');
    expect(failed).toEqual([]);
    // The drain served requests sent after the signal, and told their clients to reconnect.
    // (Counts, not rates: how many fit in the grace period depends on the machine.)
    const drained = outcomes.filter((o) => o.status === 200 && o.draining);
    expect(drained.length).toBeGreaterThan(0);
    expect(drained.filter((o) => o.connection === 'close').length).toBeGreaterThan(0);
    expect(service.output()).toMatch(/Shutdown complete in \d+ ms/);
  });
});
