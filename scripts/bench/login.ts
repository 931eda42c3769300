/**
 * Benchmark `login`: logins/s through the real app (Fastify inject, real PostgreSQL, argon2id
 * with the configured parameters) next to raw argon2id hashes/s on the same machine, so the
 * ratio shows how much of a login is the deliberate password cost.
 *
 *   npm run bench -- login [--seconds 5] [--concurrency 2]
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import * as argon2 from 'argon2';
import { createApp } from '../../src/platform/app/create-app';
import { loadEnvironment } from '../../src/platform/config';

interface Options {
  seconds: number;
  concurrency: number;
}

async function timed(
  seconds: number,
  concurrency: number,
  op: () => Promise<void>,
): Promise<{ ops: number; perSecond: number; p50: number; p95: number }> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await op();
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { ops: latencies.length, perSecond: latencies.length / seconds, p50: pct(0.5), p95: pct(0.95) };
}

export async function benchLogin(options: Options): Promise<void> {
  process.env.APP_ENV ??= 'test';
  process.env.LOG_LEVEL ??= 'silent';
  const env = loadEnvironment();
  const app = await createApp(env);
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  try {
    const email = `bench.${Date.now()}@example.com`;
    const password = 'benchmark-passphrase-Vq8#2026';
    const reg = await fastify.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password } });
    if (reg.statusCode !== 201) throw new Error(`register failed: ${reg.body}`);

    const { memoryKib, timeCost, parallelism } = env.auth.argon2;
    const hash = await timed(options.seconds, options.concurrency, async () => {
      await argon2.hash(password, { type: argon2.argon2id, memoryCost: memoryKib, timeCost, parallelism });
    });
    const login = await timed(options.seconds, options.concurrency, async () => {
      const res = await fastify.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password } });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    });

    const row = (name: string, r: { ops: number; perSecond: number; p50: number; p95: number }) =>
      `${name.padEnd(28)} ${r.perSecond.toFixed(1).padStart(8)}/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  (${r.ops} ops)`;
    console.log(
      `scenario login: argon2id m=${memoryKib} KiB t=${timeCost} p=${parallelism}, ${options.seconds}s each, concurrency ${options.concurrency}`,
    );
    console.log(row('raw argon2id hash', hash));
    console.log(row('POST /api/v1/auth/token', login));
    console.log(`ratio logins/hashes: ${(login.perSecond / hash.perSecond).toFixed(2)}`);
  } finally {
    await app.close();
  }
}
