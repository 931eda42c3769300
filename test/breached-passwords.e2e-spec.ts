import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { bearer, login, register, STRONG_PASSWORD, uniqueEmail } from './support/auth';
import { expectProblem } from './support/problem';

/** A password no offline list has, which the fake range API below reports as breached. */
const LISTED_BY_PROVIDER = 'Velvet-Orbit-Cascade-Lantern-58';
const NEW_PASSWORD = 'Quokka-Treble-Lantern-Harbour-92';

const sha1 = (password: string): string => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();

/**
 * A Have I Been Pwned-shaped range API on loopback, answering `text/plain` `SUFFIX:COUNT`
 * lines (test/support/fake-http-server.ts answers JSON only). Every range lists
 * LISTED_BY_PROVIDER with a count, STRONG_PASSWORD as a zero-count padding line, and some
 * padding; or hangs when `hang` is set.
 */
class FakeRangeApi {
  readonly requests: { path: string; headers: IncomingHttpHeaders }[] = [];
  hang = false;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeRangeApi> {
    const holder: { api?: FakeRangeApi } = {};
    const server = createServer((req, res) => {
      const api = holder.api;
      if (!api) return;
      api.requests.push({ path: req.url ?? '', headers: req.headers });
      if (api.hang) return;
      const lines = [`${sha1(LISTED_BY_PROVIDER).slice(5)}:1234`, `${sha1(STRONG_PASSWORD).slice(5)}:0`];
      for (let i = 0; i < 10; i++) lines.push(`${sha1(`padding-${i}`).slice(5)}:0`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(lines.sort().join('\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.api = new FakeRangeApi(server);
    return holder.api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const codes = (body: { errors?: { code: string }[] }): string[] => (body.errors ?? []).map((e) => e.code).sort();

describe('identity: breached-password screening (e2e)', () => {
  describe('the offline list (always on)', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it('refuses a common breached password that is long enough, as a weak_password rule', async () => {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: uniqueEmail('breach'), password: '1qaz2wsx3edc' },
      });
      const body = expectProblem(res, 400, 'weak_password');
      expect(body.errors).toContainEqual({
        field: 'password',
        code: 'breached_password',
        message: expect.stringMatching(/data breach/),
      });
    });

    it('reports the breach together with every other broken rule', async () => {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: uniqueEmail('breach'), password: 'Password' },
      });
      expect(codes(expectProblem(res, 400, 'weak_password'))).toEqual(['breached_password', 'too_short', 'too_weak']);
    });

    it('accepts a strong password', async () => {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: uniqueEmail('breach'), password: STRONG_PASSWORD },
      });
      expect(res.statusCode).toBe(201);
    });
  });

  describe('the k-anonymity range provider', () => {
    let api: FakeRangeApi;
    let t: TestApp;

    beforeAll(async () => {
      api = await FakeRangeApi.start();
      t = await createTestApp({ env: { BREACHED_PASSWORD_API_URL: api.url } });
    });
    afterAll(async () => {
      await t.close();
      await api.stop();
    });

    it('refuses at registration a password the provider lists, sending only the hash prefix', async () => {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: uniqueEmail('breach'), password: LISTED_BY_PROVIDER },
      });
      expect(codes(expectProblem(res, 400, 'weak_password'))).toEqual(['breached_password']);
      const prefix = sha1(LISTED_BY_PROVIDER).slice(0, 5);
      expect(api.requests).toContainEqual({
        path: `/range/${prefix}`,
        headers: expect.objectContaining({ 'add-padding': 'true' }),
      });
    });

    it('accepts a password the range lists only as a zero-count padding line', async () => {
      await register(t, uniqueEmail('breach'), STRONG_PASSWORD);
    });

    it('refuses the listed password as a new password too, and accepts an unlisted one', async () => {
      const email = uniqueEmail('breach');
      await register(t, email);
      const tokens = await login(t, email);
      const refused = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: bearer(tokens),
        payload: { current_password: STRONG_PASSWORD, new_password: LISTED_BY_PROVIDER },
      });
      expect(expectProblem(refused, 400, 'weak_password').errors).toEqual([
        expect.objectContaining({ field: 'new_password', code: 'breached_password' }),
      ]);
      const changed = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: bearer(tokens),
        payload: { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD },
      });
      expect(changed.statusCode).toBe(204);
    });

    it('under fail_closed answers 503 dependency_unavailable while the provider does not answer; fail_open lets it through', async () => {
      api.hang = true;
      try {
        const env = { BREACHED_PASSWORD_API_URL: api.url, BREACHED_PASSWORD_TIMEOUT_MS: '200' };
        await withTestApp({ env: { ...env, BREACHED_PASSWORD_POLICY: 'fail_closed' } }, async (closed) => {
          const res = await closed.inject({
            method: 'POST',
            url: '/api/v1/auth/register',
            payload: { email: uniqueEmail('breach'), password: NEW_PASSWORD },
          });
          const body = expectProblem(res, 503, 'dependency_unavailable');
          expect(body.dependency).toBe('breached_password_provider');
          expect(res.headers['retry-after']).toBe('5');
          // Other broken rules still come back as the 400, provider or not.
          const weak = await closed.inject({
            method: 'POST',
            url: '/api/v1/auth/register',
            payload: { email: uniqueEmail('breach'), password: 'short' },
          });
          expect(codes(expectProblem(weak, 400, 'weak_password'))).toContain('too_short');
        });
        // The default policy, fail_open: the same request succeeds.
        await register(t, uniqueEmail('breach'), 'Marmot-Juniper-Tangent-Osprey-31');
      } finally {
        api.hang = false;
      }
    });
  });
});
