import type { FastifyRequest } from 'fastify';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { accessLine, accessLoggerOf, loggerParams, REDACTED_PATHS } from './logging';

const FIELDS = { request_id: 'req-1', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' };

/** The app's root logger (loggerParams' options, redaction included), writing to an array. */
function rootLogger(): { root: Logger; lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const options = loggerParams({ appEnv: 'test', logLevel: 'info' }).pinoHttp as LoggerOptions;
  const root = pino(options, { write: (line: string) => written.push(line) });
  return { root, lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function request(overrides: { url?: string; route?: string; userId?: string } = {}): FastifyRequest {
  const raw = { url: overrides.url ?? '/api/v1/projects/1?page_size=20', user_id: overrides.userId };
  return { method: 'GET', routeOptions: { url: overrides.route }, raw, ip: '127.0.0.1' } as unknown as FastifyRequest;
}

/** A path's segments as pino's redaction splits them (`a.b`, `a["b"]`, `*.b`). */
function segments(path: string): string[] {
  return path.match(/[^.[\]]+|\[([^[\]]*?)\]/g) ?? [];
}

describe('access lines', () => {
  it('hold only strings and numbers at their top level, the signed-in user included', () => {
    for (const req of [request({ route: '/api/v1/projects/:id', userId: 'u-1' }), request()]) {
      const line = accessLine(req, 200, 1.25, FIELDS);
      for (const [key, value] of Object.entries(line))
        if (value !== undefined) expect([key, typeof value]).toEqual([key, expect.stringMatching(/^(string|number)$/)]);
    }
  });

  it('are out of reach of every redacted path, which is two or more levels deep', () => {
    for (const path of REDACTED_PATHS) expect([path, segments(path).length >= 2]).toEqual([path, true]);
    expect(segments('req.headers["x-api-key"]')).toEqual(['req', 'headers', '["x-api-key"]']);
  });

  it('come out of the access logger exactly as the redacting root logger writes them', () => {
    const { root, lines } = rootLogger();
    const line = accessLine(request({ route: '/api/v1/projects/:id', userId: 'u-1' }), 200, 1.25, FIELDS);
    root.info(line, 'GET /api/v1/projects/1 200');
    accessLoggerOf(root).info(line, 'GET /api/v1/projects/1 200');
    const [viaRoot, viaAccess] = lines().map(({ time: _time, ...rest }) => rest);
    expect(viaAccess).toEqual(viaRoot);
    expect(viaAccess).toMatchObject({ service: 'bastion', msg: 'GET /api/v1/projects/1 200', user_id: 'u-1', level: 30 });
  });

  it('skip redaction, which the root logger keeps for every other line', () => {
    const { root, lines } = rootLogger();
    const secret = { body: { password: 'hunter2' } };
    root.info(secret, 'other');
    accessLoggerOf(root).info(secret, 'access');
    expect(lines().map((l) => [l.msg, l.body])).toEqual([
      ['other', { password: '[redacted]' }],
      ['access', { password: 'hunter2' }],
    ]);
  });

  it('follow the root logger level, and reuse one child per root and level', () => {
    const { root, lines } = rootLogger();
    const first = accessLoggerOf(root);
    expect(accessLoggerOf(root)).toBe(first);
    root.level = 'warn';
    expect(accessLoggerOf(root).level).toBe('warn');
    accessLoggerOf(root).info(FIELDS, 'dropped');
    root.level = 'info';
    accessLoggerOf(root).info(FIELDS, 'kept');
    expect(lines().map((l) => l.msg)).toEqual(['kept']);
  });
});
