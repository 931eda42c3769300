import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { bearer, login, register, requestToken, STRONG_PASSWORD, uniqueEmail } from './support/auth';

const WRONG = 'not-the-password-at-all-9';

function registerFrom(t: TestApp, ip: string): Promise<LightMyRequestResponse> {
  return t.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: uniqueEmail('tier'), password: STRONG_PASSWORD },
    remoteAddress: ip,
  });
}

function loginAttempt(t: TestApp, email: string, password: string, ip: string): Promise<LightMyRequestResponse> {
  return requestToken(t, { email, password }, { ip });
}

describe('tiered request-rate limits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: { RATE_LIMIT_IP: '8/1m', RATE_LIMIT_REGISTER: '3/1m', RATE_LIMIT_USER: '4/1m' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a tighter tier on register: remaining counts down, the 4th gets 429 rate_limited with the standard headers', async () => {
    const responses: LightMyRequestResponse[] = [];
    for (let i = 0; i < 3; i++) responses.push(await registerFrom(t, '192.0.2.1'));
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(responses.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0']);
    expect(responses[0].headers['x-ratelimit-limit']).toBe('3');
    expect(responses[0].headers['ratelimit-policy']).toBe('"ip";q=8;w=60, "register";q=3;w=60');
    expect(responses[0].headers.ratelimit).toMatch(/^"register";r=2;t=(60|59)$/);
    const reset = Number(responses[0].headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);

    const limited = await registerFrom(t, '192.0.2.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.json().retry_after).toBe(retryAfter);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');

    expect((await registerFrom(t, '192.0.2.2')).statusCode).toBe(201);
  });

  it('the per-IP tier spans every route of the API; probes are never limited', async () => {
    const ip = '192.0.2.30';
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      const url = i % 2 === 0 ? '/api/v1/auth/me' : '/api/v1/auth/sessions';
      statuses.push((await t.inject({ method: 'GET', url, remoteAddress: ip })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 429]);
    for (let i = 0; i < 12; i++) {
      const res = await t.inject({ method: 'GET', url: '/health/live', remoteAddress: ip });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('the per-user tier follows the user across IPs and leaves other users alone', async () => {
    const a = uniqueEmail('usera');
    const b = uniqueEmail('userb');
    await register(t, a);
    await register(t, b);
    const tokensA = await login(t, a);
    const tokensB = await login(t, b);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokensA), remoteAddress: `192.0.2.${100 + i}` }))
          .statusCode,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const other = await t.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: bearer(tokensB),
      remoteAddress: '192.0.2.100',
    });
    expect(other.statusCode).toBe(200);
    expect(other.headers['ratelimit-policy']).toContain('"user";q=4;w=60');
  });

  it('RATE_LIMIT_ENABLED=false turns the tiers off (the failed-login throttle stays)', async () => {
    await withTestApp({ env: { RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_REGISTER: '1/1m' } }, async (off) => {
      expect((await registerFrom(off, '192.0.2.200')).statusCode).toBe(201);
      const second = await registerFrom(off, '192.0.2.200');
      expect(second.statusCode).toBe(201);
      expect(second.headers['x-ratelimit-limit']).toBeUndefined();
    });
  });
});

describe('limits across two instances on one database (e2e)', () => {
  /** Failures alternate between the two instances; both must see one count. */
  async function spreadFailures(a: TestApp, b: TestApp): Promise<void> {
    const email = uniqueEmail('spread');
    await register(a, email);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await loginAttempt(i % 2 === 0 ? a : b, email, WRONG, '192.0.2.77')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);

    const lockEmail = uniqueEmail('spreadlock');
    await register(b, lockEmail);
    for (let i = 0; i < 10; i++) {
      expect((await loginAttempt(i % 2 === 0 ? a : b, lockEmail, WRONG, `198.51.100.${i + 1}`)).statusCode).toBe(401);
    }
    for (const instance of [a, b]) {
      const refused = await loginAttempt(instance, lockEmail, STRONG_PASSWORD, '198.51.100.99');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().code).toBe('too_many_attempts');
    }
  }

  it('without Redis: the throttle (PostgreSQL counters) and the lockout hold across instances', async () => {
    await withTestApp({}, async (a) => {
      await withTestApp({ db: a.db }, async (b) => {
        await spreadFailures(a, b);
      });
    });
  });

  const redisUrl = process.env.TEST_REDIS_URL;
  (redisUrl ? it : it.skip)(
    'with Redis (TEST_REDIS_URL): throttle, lockout and request tiers hold across instances',
    async () => {
      const env = { REDIS_URL: redisUrl!, RATE_LIMIT_REGISTER: '4/1m' };
      await withTestApp({ env }, async (a) => {
        await withTestApp({ env, db: a.db }, async (b) => {
          await spreadFailures(a, b);
          const statuses: number[] = [];
          for (let i = 0; i < 5; i++) statuses.push((await registerFrom(i % 2 === 0 ? a : b, '192.0.2.88')).statusCode);
          expect(statuses).toEqual([201, 201, 201, 201, 429]);
        });
      });
    },
  );
});
