/**
 * `npm run bench -- enumeration`: do the requests that name an address answer in the same
 * time whether or not it has an account? Median latency of `POST /auth/password/forgot` and
 * `POST /auth/email/verification` for 20 registered and 20 unknown addresses, interleaved,
 * each request on its own once the previous one's background work (lookup, token, mail) is done.
 * The figure docs/identity.md reports: known/unknown medians within 20 % of each other.
 */
import { AccountRecoveryService } from '../../src/contexts/identity/testing';
import { median } from './sampling';
import { register, type ScenarioOptions, startApp } from './scenario';

const ROUNDS = 20;

export async function benchEnumeration(_options: ScenarioOptions): Promise<void> {
  // 40 registrations and 80 requests from one address: the per-IP tiers are not what is measured.
  process.env.RATE_LIMIT_REGISTER ??= '100000/1m';
  process.env.RATE_LIMIT_TOKEN ??= '100000/1m';
  const { app, fastify } = await startApp();
  const recovery = app.get(AccountRecoveryService);
  const run = Date.now().toString(36);
  try {
    const known = Array.from({ length: ROUNDS }, (_, i) => `bench.known.${run}.${i}@example.com`);
    for (const email of known) await register(fastify, email);
    await recovery.beforeApplicationShutdown();

    for (const url of ['/api/v1/auth/password/forgot', '/api/v1/auth/email/verification']) {
      const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
      for (let i = 0; i < ROUNDS; i++) {
        for (const kind of i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const)) {
          const email = kind === 'known' ? known[i] : `bench.unknown.${run}.${i}@example.com`;
          const started = process.hrtime.bigint();
          const res = await fastify.inject({ method: 'POST', url, payload: { email } });
          times[kind].push(Number(process.hrtime.bigint() - started) / 1e6);
          if (res.statusCode !== 202) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
          await recovery.beforeApplicationShutdown();
        }
      }
      const [k, u] = [median(times.known), median(times.unknown)];
      console.log(
        `scenario enumeration ${url}: median known ${k.toFixed(2)} ms, unknown ${u.toFixed(2)} ms, ratio ${(k / u).toFixed(2)} (${ROUNDS} each)`,
      );
    }
  } finally {
    await app.close();
  }
}
