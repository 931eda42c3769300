/**
 * Benchmark `login`: logins/s through the real app (Fastify inject, real PostgreSQL, argon2id
 * with the configured parameters) next to raw argon2id hashes/s on the same machine, so the
 * ratio shows how much of a login is the deliberate password cost.
 *
 *   npm run bench -- login [--seconds 5] [--concurrency 2]
 */
import 'reflect-metadata';
import * as argon2 from 'argon2';
import { parseIdentityConfig } from '../../src/contexts/identity';
import { type Timing, timed } from './sampling';
import { BENCH_PASSWORD, register, type ScenarioOptions, startApp } from './scenario';

export async function benchLogin(options: ScenarioOptions): Promise<void> {
  const { app, fastify } = await startApp();
  try {
    const email = `bench.${Date.now()}@example.com`;
    const password = BENCH_PASSWORD;
    await register(fastify, email);

    const { memoryKib, timeCost, parallelism } = parseIdentityConfig(process.env).argon2;
    const hash = await timed(options.seconds, options.concurrency, async () => {
      await argon2.hash(password, { type: argon2.argon2id, memoryCost: memoryKib, timeCost, parallelism });
    });
    const login = await timed(options.seconds, options.concurrency, async () => {
      const res = await fastify.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password } });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    });

    const row = (name: string, r: Timing) =>
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
