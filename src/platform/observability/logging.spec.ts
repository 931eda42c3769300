import { spawn } from 'node:child_process';
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

describe('the log destination', () => {
  /**
   * A child process builds the app's root logger (loggerParams, as app.module does), writes a line
   * and is killed with SIGKILL in the same tick: only a line already on stdout survives that. An
   * asynchronous destination hands the line to the threadpool and loses it.
   */
  it('writes each line before the logging call returns, so a killed process loses none', async () => {
    const script = [
      "const pino = require('pino');",
      `const { loggerParams } = require(${JSON.stringify(require.resolve('./logging'))});`,
      "const { stream, ...options } = loggerParams({ appEnv: 'production', logLevel: 'info' }).pinoHttp;",
      'const logger = pino(options, stream);',
      "for (let i = 0; i < 3; i++) logger.info({ line: i }, 'last words');",
      "process.kill(process.pid, 'SIGKILL');",
    ].join('\n');
    const { stdout, signal } = await new Promise<{ stdout: string; signal: NodeJS.Signals | null }>((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('error', reject);
      child.once('close', (_code, killed) => resolve({ stdout: out, signal: killed }));
    });
    expect(signal).toBe('SIGKILL');
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.msg, line.line])).toEqual([
      ['last words', 0],
      ['last words', 1],
      ['last words', 2],
    ]);
  }, 30_000);

  it('is the same synchronous stdout destination in every environment off a terminal', () => {
    for (const appEnv of ['production', 'test', 'development'] as const) {
      const options = loggerParams({ appEnv, logLevel: 'info' }).pinoHttp as LoggerOptions & { stream?: unknown };
      expect(options.transport).toBeUndefined();
      expect(options.stream).toMatchObject({ fd: 1, sync: true });
    }
  });
});
