/**
 * `npm run bench -- streams [--concurrency N]`: do slow consumers of a live feed cost the
 * instance memory? N admin SSE streams that never read (sockets paused after the headers) and
 * one that reads, while 15,000 audit events (about 1 KiB each on the wire) are appended. Reports
 * the heap and RSS growth, how many slow streams were dropped (`stream_drops_total`), and the
 * events the reading stream received. With STREAM_MAX_BUFFER at 64 KiB (set here), what a slow
 * stream can hold is bounded by that plus the kernel's socket buffers (set STREAM_MAX_BUFFER=67108864
 * to see the instance without the bound).
 */
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { EventBus } from '../../src/platform/events';
import { Metrics } from '../../src/platform/observability';
import { register, type ScenarioOptions, startApp } from './scenario';

const EVENTS = 15_000;
const ADMIN_EMAIL = 'bench.streams.admin@example.com';
const ADMIN_PASSWORD = 'bench-streams-passphrase-Kestrel-42';

/** An SSE request on a raw socket; `read: false` pauses it once the headers are in (a consumer that stopped reading). */
function stream(port: number, token: string, read: boolean): Promise<{ socket: Socket; received: () => number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let frames = 0;
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      socket.write(
        `GET /api/v1/admin/events/stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (!text.startsWith('HTTP/1.1 200')) {
        if (text.includes('\r\n\r\n')) reject(new Error(`stream refused: ${text.slice(0, 200)}`));
        return;
      }
      frames += (chunk.toString('utf8').match(/\nevent: audit\n/g) ?? []).length;
      if (text.length > 4096) text = text.slice(0, 64);
      if (!read) socket.pause();
      resolve({ socket, received: () => frames });
    });
  });
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export async function benchStreams(options: ScenarioOptions): Promise<void> {
  const slowCount = Math.max(1, Math.round(options.concurrency * 5));
  Object.assign(process.env, {
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    STREAM_MAX_BUFFER: process.env.STREAM_MAX_BUFFER ?? String(64 * 1024),
    STREAM_MAX_PER_CLIENT: String(slowCount + 5),
    STREAM_MAX_PER_IP: String(slowCount + 5),
    RATE_LIMIT_TOKEN: '100000/1m',
    RATE_LIMIT_IP: '100000/1m',
  });
  const { app, fastify } = await startApp();
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    await register(fastify, `bench.streams.${Date.now().toString(36)}@example.com`);
    const login = await fastify.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    });
    const token = login.json<{ access_token: string }>().access_token;
    const reader = await stream(port, token, true);
    const slow = await Promise.all(Array.from({ length: slowCount }, () => stream(port, token, false)));

    global.gc?.();
    const before = process.memoryUsage();
    const events = app.get(EventBus);
    const started = Date.now();
    for (let i = 0; i < EVENTS; i++) {
      await events.publish('auth.account_unlocked', {
        user_id: '00000000-0000-4000-8000-000000000001',
        reason: 'admin',
        by_user_id: null,
        was_locked: true,
        ip: `10.0.${i % 250}.${i % 200}`,
      });
    }
    const deadline = Date.now() + 60_000;
    while (reader.received() < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const elapsed = (Date.now() - started) / 1000;
    global.gc?.();
    const after = process.memoryUsage();
    const drops = (await app.get(Metrics).registry.getSingleMetric('stream_drops_total')?.get())?.values ?? [];
    const dropped = drops.filter((v) => v.labels.reason === 'slow_consumer').reduce((sum, v) => sum + v.value, 0);
    console.log(
      `scenario streams: ${slowCount} paused consumers + 1 reading, ${EVENTS} audit events in ${elapsed.toFixed(1)} s; ` +
        `reader got ${reader.received()}/${EVENTS}; slow consumers dropped ${dropped}/${slowCount}; ` +
        `heap ${mib(before.heapUsed)} -> ${mib(after.heapUsed)} (${mib(after.heapUsed - before.heapUsed)}), ` +
        `rss ${mib(before.rss)} -> ${mib(after.rss)}` +
        (global.gc ? '' : ' (run with --expose-gc for steadier heap figures)'),
    );
    for (const s of [reader, ...slow]) s.socket.destroy();
  } finally {
    await app.close();
  }
}
