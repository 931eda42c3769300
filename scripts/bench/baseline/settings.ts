/**
 * The baseline's command line (`--smoke`, `--seconds`, `--connections`, `--only`, `--profile`, `--check`)
 * and environment knobs, read once into `Settings`; and the connection counts of the login
 * scenarios, which follow from the app's argon2 pool.
 */
import { resolve } from 'node:path';
import type { RawEnv } from '../../../src/platform/config';
import { parseIdentityConfig } from '../../../src/contexts/identity';
import type { ScenarioOptions } from '../scenario';

/** The groups, in the order they run; each one's scenarios run interleaved with each other. */
export const GROUPS = ['hello', 'reads', 'writes', 'throttler', 'login', 'flood'] as const;
export type GroupId = (typeof GROUPS)[number];

export interface Settings {
  seconds: number;
  connections: number;
  smoke: boolean;
  only: GroupId[];
  profile: boolean;
  /** `--check`: compare the ratios with the committed baseline and fail on a regression (gate.ts). */
  check: boolean;
  outDir: string;
  logLevel: string;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function readSettings(options: ScenarioOptions): Settings {
  const smoke = process.argv.includes('--smoke');
  const explicitSeconds = argValue('seconds') !== undefined;
  const connections = Number(argValue('connections') ?? argValue('concurrency') ?? 10);
  if (!Number.isInteger(connections) || connections < 1) throw new Error('--connections must be a positive integer');
  const only = (argValue('only') ?? GROUPS.join(',')).split(',').map((g) => g.trim());
  for (const g of only)
    if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`--only: unknown group "${g}" (${GROUPS.join(', ')})`);
  return {
    seconds: smoke && !explicitSeconds ? 1 : options.seconds,
    connections,
    smoke,
    only: only as GroupId[],
    profile: process.argv.includes('--profile'),
    check: process.argv.includes('--check'),
    outDir: resolve(__dirname, '..', '..', '..', 'bench'),
    // The production default: every API request writes its access-log line (to /dev/null here).
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  };
}

/** How hard the login scenarios push, given the app's argon2 pool (at most `maxConcurrency` hashing, `maxQueue` waiting). */
export interface LoginSizing {
  maxConcurrency: number;
  maxQueue: number;
  /** Logins in flight: no more than the pool takes without refusing. */
  loginConnections: number;
  /** Raw verifications in flight: what the pool itself would run at once. */
  verifyConcurrency: number;
  /** The flood: twice what the pool takes, so that it refuses (503). */
  floodConnections: number;
}

export function loginSizing(appEnv: RawEnv, connections: number): LoginSizing {
  const { maxConcurrency, maxQueue } = parseIdentityConfig(appEnv).argon2;
  const loginConnections = Math.min(connections, maxConcurrency + maxQueue);
  return {
    maxConcurrency,
    maxQueue,
    loginConnections,
    verifyConcurrency: Math.min(loginConnections, maxConcurrency),
    floodConnections: 2 * (maxConcurrency + maxQueue),
  };
}
