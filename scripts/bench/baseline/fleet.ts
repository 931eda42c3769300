/**
 * The processes a baseline run starts, and the configuration they get: the app (first, alone,
 * so that it migrates the fresh database), its differently configured twins, the bare peers,
 * the argon2 loop, the load generator, the login flood, and a candidate checkout's app.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { BenchRedis } from './redis';
import { PROJECT_ROOT, type Ready, startTarget, type Target, writeLoader } from './processes';
import type { TargetKind } from './targets';

const MANY = '1000000/1m';

/** What every target process gets: the app's configuration for a benchmark. */
export function benchEnvironment(logLevel: string, databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    APP_ENV: 'test',
    LOG_LEVEL: logLevel,
    DATABASE_URL: databaseUrl,
    DB_MIGRATE_ON_START: 'true',
    REDIS_URL: '',
    JWT_SECRET: randomBytes(64).toString('base64url'),
    JWT_ACCESS_TTL: '6h',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_IP: MANY,
    RATE_LIMIT_USER: MANY,
    RATE_LIMIT_TOKEN: MANY,
    RATE_LIMIT_REGISTER: MANY,
    RATE_LIMIT_REFRESH: MANY,
    // The failed-login throttle takes a point per attempt *before* the password check and gives
    // it back on success, so more than 5 concurrent logins of one account get 429 even with
    // the right password. It still runs (and costs what it costs); it just never refuses here.
    LOGIN_FAILURES_PER_IDENTITY: MANY,
    LOGIN_FAILURES_PER_IP: MANY,
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
  };
}

export interface Fleet {
  targets: Record<string, Target>;
  readies: Record<string, Ready>;
}

export interface FleetOptions {
  baseEnv: NodeJS.ProcessEnv;
  redis: BenchRedis;
  /** BENCH_CANDIDATE: another checkout whose app is measured too. */
  candidate?: string;
  /** A scratch directory for the require hook. */
  scratch: string;
  /** Registers a step to run at the end (or on an interrupt). */
  onCleanup: (step: () => Promise<void>) => void;
  log: (message: string) => void;
}

export async function startFleet({ baseEnv, redis, candidate, scratch, onCleanup, log }: FleetOptions): Promise<Fleet> {
  const loader = writeLoader(scratch, candidate ? [PROJECT_ROOT, resolve(candidate)] : [PROJECT_ROOT]);
  const fleet: Fleet = { targets: {}, readies: {} };
  const start = async (name: string, kind: TargetKind, env: NodeJS.ProcessEnv = baseEnv, root?: string) => {
    const { target, ready } = await startTarget(name, kind, env, loader, root);
    fleet.targets[name] = target;
    fleet.readies[name] = ready;
    onCleanup(() => target.stop());
    log(`started ${name}${target.port ? ` on port ${target.port}` : ''}`);
    return ready;
  };
  // The first app migrates the fresh database; the others then start side by side.
  await start('app', 'app');
  const starting = await Promise.allSettled([
    start('app-unthrottled', 'app', { ...baseEnv, RATE_LIMIT_ENABLED: 'false' }),
    // The throttler comparison uses three processes with the same history (the first app has
    // served every earlier group, and a JIT that warm would skew the ratio in its favour).
    start('app-memory', 'app'),
    redis.unavailable
      ? undefined
      : start('app-redis', 'app', { ...baseEnv, REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix }),
    start('node-http', 'node-http'),
    start('fastify', 'fastify'),
    start('nest', 'nest'),
    start('nest-headers', 'nest-headers'),
    start('nest-platform', 'nest-platform'),
    // The app again, never seeded and never asked anything but its probe (hello group): the probe
    // of the app's own code, next to the first app's (which migrated, was seeded and checked first).
    start('app-fresh', 'app'),
    start('fastify-pg', 'fastify-pg'),
    // The peer preparing what the app prepares runs apart: named statements on the same pooled
    // connections were seen to slow the unnamed peer's statements down by a third.
    start('fastify-pg-prepared', 'fastify-pg'),
    // The same peer with the app's two rate-limit tiers on Redis (`throttle=1`): the Redis throttler's floor.
    redis.unavailable
      ? undefined
      : start('fastify-pg-redis', 'fastify-pg', { ...baseEnv, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `${redis.prefix}peer:` }),
    // A login and a probe at their best (login-floor.ts): the login's and the flood's floors.
    start('login-floor', 'login-floor'),
    // The same with the platform's per-request work on every response (platform-floor.ts): the flood's platform floor.
    start('login-floor-platform', 'login-floor', { ...baseEnv, LOGIN_FLOOR_PLATFORM: '1' }),
    start('argon2', 'argon2'),
    start('client', 'client'),
    start('flood', 'flood'),
    // BENCH_CANDIDATE=<another checkout>: its app (same database, same settings) is measured
    // next to this one on liveness, item GET and list, to see what a change buys.
    candidate ? start('app-candidate', 'app', baseEnv, resolve(candidate)) : undefined,
  ]);
  for (const outcome of starting) if (outcome.status === 'rejected') throw outcome.reason;
  return fleet;
}
