import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Clock } from '../../../platform/clock';
import type { PlatformConfig } from '../../../platform/config';
import { type BuildInfo, Metrics } from '../../../platform/observability';
import type { BreachedPasswordPolicy } from '../domain/breached-password';
import type { IdentityConfig } from '../identity.config';
import { AuthMetrics } from './auth.metrics';
import { breachedPasswordList, isCommonBreachedPassword, readList } from './breached-password-list';
import { BreachedPasswords, RANGE_CACHE_TTL_MS } from './breached-passwords';

const strong = (): string => `${randomBytes(18).toString('base64url')}-Zq9!`;
const sha1 = (password: string): string => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
const randomSuffix = (): string => randomBytes(18).toString('hex').slice(0, 35).toUpperCase();
/** A padded range answer: `lines` as given plus zero-count padding, shuffled in among them. */
const rangeBody = (lines: string[]): string =>
  [...lines, ...Array.from({ length: 20 }, () => `${randomSuffix()}:0`)].sort().join('\r\n');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A stand-in range API on loopback: records request paths and headers, answers through `handler`. */
class FakeRangeApi {
  readonly requests: { path: string; headers: IncomingMessage['headers'] }[] = [];
  handler: Handler = (_req, res) => res.end(rangeBody([]));

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeRangeApi> {
    const holder: { api?: FakeRangeApi } = {};
    const server = createServer((req, res) => {
      holder.api?.requests.push({ path: req.url ?? '', headers: req.headers });
      holder.api?.handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.api = new FakeRangeApi(server);
    return holder.api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers every prefix with `lines` (SUFFIX:COUNT) among padding. */
  answer(lines: string[]): void {
    this.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(rangeBody(lines));
    };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('the offline breached-password list', () => {
  it('is loaded once, as a Set of about 10k passwords without blanks', () => {
    const list = breachedPasswordList();
    expect(breachedPasswordList()).toBe(list);
    expect(list.size).toBeGreaterThanOrEqual(9000);
    expect(list.has('')).toBe(false);
  });

  it('refuses well-known breached passwords, long ones included', () => {
    for (const password of ['password', '123456', 'qwerty', '1qaz2wsx3edc', '123qweasdzxc']) {
      expect(isCommonBreachedPassword(password)).toBe(true);
    }
  });

  it('accepts a strong random password', () => {
    expect(isCommonBreachedPassword(strong())).toBe(false);
  });

  it('refuses to load an empty list', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'breach-list-')), 'empty.txt');
    writeFileSync(path, '\n\n');
    expect(() => readList(path)).toThrow(/is empty/);
  });
});

describe('BreachedPasswords', () => {
  let api: FakeRangeApi;
  let metrics: Metrics;
  let authMetrics: AuthMetrics;
  let warn: jest.SpyInstance;
  let nowMs: number;
  const clock: Clock = { now: () => new Date(nowMs) };

  const service = (
    settings: { apiUrl?: string; timeoutMs?: number; policy?: BreachedPasswordPolicy } = {},
  ): BreachedPasswords => {
    const config = {
      breachedPasswords: { apiUrl: api.url, timeoutMs: 1000, policy: 'fail_open', ...settings },
    } as IdentityConfig;
    return new BreachedPasswords(config, authMetrics, clock);
  };

  const failures = async (): Promise<Record<string, number>> => {
    const metric = await metrics.registry.getSingleMetric('breached_password_provider_failures_total')?.get();
    return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.reason), v.value]));
  };

  beforeAll(async () => {
    api = await FakeRangeApi.start();
  });
  afterAll(async () => {
    await api.stop();
  });
  beforeEach(() => {
    api.requests.length = 0;
    api.answer([]);
    nowMs = Date.parse('2030-01-01T00:00:00Z');
    metrics = new Metrics({ appEnv: 'test' } as PlatformConfig, { version: '0.0.0', gitSha: 'test' } as BuildInfo);
    authMetrics = new AuthMetrics(metrics);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    warn.mockRestore();
  });

  describe('without a provider', () => {
    it('screens with the offline list only', async () => {
      const breached = service({ apiUrl: undefined, policy: 'fail_closed' });
      await expect(breached.screen('password')).resolves.toBe('breached');
      await expect(breached.screen('Password')).resolves.toBe('breached');
      await expect(breached.screen(strong())).resolves.toBe('not_breached');
      expect(api.requests).toHaveLength(0);
    });
  });

  describe('with the range provider', () => {
    it('asks for the first 5 hex characters of the SHA-1 only, with padding, and finds a listed suffix', async () => {
      const password = strong();
      const hash = sha1(password);
      api.answer([`${hash.slice(5)}:42`, `${randomSuffix()}:3`]);
      await expect(service().screen(password)).resolves.toBe('breached');
      expect(api.requests).toHaveLength(1);
      expect(api.requests[0].path).toBe(`/range/${hash.slice(0, 5)}`);
      expect(api.requests[0].headers['add-padding']).toBe('true');
      expect(JSON.stringify(api.requests[0])).not.toContain(password);
      expect(JSON.stringify(api.requests[0])).not.toContain(hash.slice(5));
    });

    it('matches a suffix whatever its case in the answer', async () => {
      const password = strong();
      api.answer([`${sha1(password).slice(5).toLowerCase()}:1`]);
      await expect(service().screen(password)).resolves.toBe('breached');
    });

    it('misses when the suffix is absent', async () => {
      api.answer([`${randomSuffix()}:5`, `${randomSuffix()}:9`]);
      await expect(service().screen(strong())).resolves.toBe('not_breached');
      expect(api.requests).toHaveLength(1);
    });

    it('treats a padded zero-count line for the suffix as a miss', async () => {
      const password = strong();
      api.answer([`${sha1(password).slice(5)}:0`]);
      await expect(service().screen(password)).resolves.toBe('not_breached');
      expect(await failures()).toEqual({});
    });

    it('does not ask the provider about a password the offline list has', async () => {
      await expect(service().screen('1qaz2wsx3edc')).resolves.toBe('breached');
      expect(api.requests).toHaveLength(0);
    });

    it('caches a prefix: a second lookup makes no request until the TTL has passed', async () => {
      const password = strong();
      api.answer([`${sha1(password).slice(5)}:7`]);
      const breached = service();
      await expect(breached.screen(password)).resolves.toBe('breached');
      await expect(breached.screen(password)).resolves.toBe('breached');
      expect(api.requests).toHaveLength(1);
      nowMs += RANGE_CACHE_TTL_MS + 1;
      await expect(breached.screen(password)).resolves.toBe('breached');
      expect(api.requests).toHaveLength(2);
    });

    it('shares one request between concurrent lookups of a prefix', async () => {
      const password = strong();
      api.answer([`${sha1(password).slice(5)}:7`]);
      const breached = service();
      await expect(Promise.all([breached.screen(password), breached.screen(password)])).resolves.toEqual([
        'breached',
        'breached',
      ]);
      expect(api.requests).toHaveLength(1);
    });
  });

  describe('when the provider fails', () => {
    const hang = (): void => {
      api.handler = () => undefined; // never answers
    };

    it('fail_open: a timeout lets the password through, counted and logged without the password', async () => {
      hang();
      const password = strong();
      const started = Date.now();
      await expect(service({ timeoutMs: 150 }).screen(password)).resolves.toBe('not_breached');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await failures()).toEqual({ timeout: 1 });
      expect(warn).toHaveBeenCalledTimes(1);
      const logged = String(warn.mock.calls[0][0]);
      expect(logged).toMatch(/timeout.*fail_open/);
      expect(logged).not.toContain(password);
      expect(logged).not.toContain(sha1(password).slice(0, 5));
    });

    it('fail_closed: a timeout leaves the password unverified', async () => {
      hang();
      await expect(service({ timeoutMs: 150, policy: 'fail_closed' }).screen(strong())).resolves.toBe('unverified');
      expect(await failures()).toEqual({ timeout: 1 });
      expect(String(warn.mock.calls[0][0])).toMatch(/fail_closed/);
    });

    it('counts an error status, a malformed answer and an unreachable server by reason, and caches none of them', async () => {
      const breached = service();
      const password = strong();
      api.handler = (_req, res) => {
        res.writeHead(503);
        res.end('busy');
      };
      await expect(breached.screen(password)).resolves.toBe('not_breached');
      api.handler = (_req, res) => res.end('<html>maintenance</html>');
      await expect(breached.screen(password)).resolves.toBe('not_breached');
      expect(api.requests).toHaveLength(2);
      await expect(service({ apiUrl: 'http://127.0.0.1:1' }).screen(password)).resolves.toBe('not_breached');
      expect(await failures()).toEqual({ bad_status: 1, malformed: 1, network: 1 });
    });

    it('fail_closed: an error status leaves the password unverified, a later answer decides', async () => {
      const breached = service({ policy: 'fail_closed' });
      const password = strong();
      api.handler = (_req, res) => {
        res.writeHead(500);
        res.end();
      };
      await expect(breached.screen(password)).resolves.toBe('unverified');
      api.answer([]);
      await expect(breached.screen(password)).resolves.toBe('not_breached');
    });
  });
});
