/**
 * `npm run bench -- logging [--seconds N]`: what one access line costs, written as the app writes it
 * (loggerParams' options, a synchronous destination on /dev/null) through the redacting root logger
 * and through the access logger (`accessLoggerOf`: the root's child without redaction). Interleaved
 * rounds of 20,000 lines each; the figure docs/performance.md reports is µs per line and their ratio.
 */
import type { FastifyRequest } from 'fastify';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { accessLine, accessLoggerOf, loggerParams } from '../../src/platform/observability/logging';
import { median } from './sampling';
import type { ScenarioOptions } from './scenario';

const LINES_PER_ROUND = 20_000;

function microsPerLine(log: Logger, line: () => Record<string, unknown>): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < LINES_PER_ROUND; i++) log.info(line(), 'POST /api/v1/auth/token 503');
  return Number(process.hrtime.bigint() - started) / 1e3 / LINES_PER_ROUND;
}

export function benchLogging({ seconds }: ScenarioOptions): Promise<void> {
  const options = loggerParams({ appEnv: 'production', logLevel: 'info' }).pinoHttp as LoggerOptions;
  const root = pino(options, pino.destination({ dest: '/dev/null', sync: true }));
  const access = accessLoggerOf(root);
  const request = {
    method: 'POST',
    routeOptions: { url: '/api/v1/auth/token' },
    raw: { url: '/api/v1/auth/token' },
    ip: '127.0.0.1',
  } as unknown as FastifyRequest;
  const fields = {
    request_id: '4f1c2d7e-7a1b-4a4e-9c1f-2b3c4d5e6f70',
    trace_id: '0af7651916cd43dd8448eb211c80319c',
    span_id: 'b7ad6b7169203331',
  };
  const line = (): Record<string, unknown> => accessLine(request, 503, 0.42, fields);
  const times = { root: [] as number[], access: [] as number[] };
  microsPerLine(root, line);
  microsPerLine(access, line);
  const deadline = Date.now() + seconds * 1000;
  for (let round = 0; Date.now() < deadline || round < 4; round++) {
    for (const kind of round % 2 === 0 ? (['root', 'access'] as const) : (['access', 'root'] as const))
      times[kind].push(microsPerLine(kind === 'root' ? root : access, line));
  }
  const [r, a] = [median(times.root), median(times.access)];
  console.log(
    `scenario logging: access line through the redacting root logger ${r.toFixed(2)} µs, through the access logger ${a.toFixed(2)} µs, ratio ${(r / a).toFixed(2)} (${times.root.length} rounds of ${LINES_PER_ROUND} each)`,
  );
  return Promise.resolve();
}
