/**
 * Benchmark `baseline` (what `npm run bench` runs without a scenario): HTTP load with autocannon
 * against the real app on real PostgreSQL, and in the same run against peers on the same
 * machine with the same client settings, then `bench/report.json` and `bench/report.md`.
 *
 *   npm run bench                                   full baseline, 5 s per scenario, 10 connections
 *   npm run bench -- --smoke                        1 s per scenario: only checks that nothing errors
 *   npm run bench -- baseline [--seconds N] [--connections N] [--only hello,reads,...] [--profile]
 *   npm run bench -- --check                        full baseline, then its ratios against bench/baseline.json (gate.ts)
 *
 * Every server, and the load generator itself, runs in its own child process
 * (./baseline/targets.ts, ./baseline/app-target.ts, started by ./baseline/fleet.ts); the parent
 * only orchestrates: seed (./baseline/seed.ts) and check (./baseline/checks.ts) through the API,
 * build the groups (./baseline/groups/), measure them (./baseline/run-groups.ts: each group's
 * scenarios interleaved in short slices, order reversed every round, after a warm-up, so that
 * load from elsewhere on the machine hits a scenario and its peer alike), and report.
 *
 * Environment knobs: BENCH_LOG_LEVEL (default info, the production default: every API request
 * writes its access line, to /dev/null); BENCH_APP_STDOUT=<file> keeps the apps' log lines;
 * BENCH_WARM_SECONDS (default 5) per app scenario; BENCH_CANDIDATE=<another checkout> also
 * measures that checkout's app on liveness, item GET and list, in the same interleaved
 * slices (how the optimisations in docs/performance.md were measured). ARGON2_* and the other
 * app settings pass through to every app process.
 *
 * Database: a throw-away `bastion_bench_<random>` on the `DATABASE_URL` server, or on the
 * embedded PostgreSQL (`EMBEDDED_PG_DIR`) without it; dropped at the end. Redis for the
 * throttler scenario: `BENCH_REDIS_URL`, else `REDIS_URL`, else redis://127.0.0.1:6379, with a
 * unique key prefix whose keys are deleted at the end. Exit status 1 when any scenario saw
 * errors or statuses it should not answer with (never because of timings).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadEnvironment } from '../../src/platform/config';
import { checkPaths } from './baseline/checks';
import { comparisons } from './baseline/comparisons';
import { createBenchDatabase } from './baseline/database';
import { benchEnvironment, startFleet } from './baseline/fleet';
import { buildGroups } from './baseline/groups';
import { gitSha, machine, writeReport } from './baseline/output';
import { cleanUpOnInterrupt } from './baseline/processes';
import { probeRedis, redisKeys } from './baseline/redis';
import type { Report } from './baseline/report';
import { checkAgainstBaseline, formatVerdicts, groupsOf, readBaseline } from './baseline/gate';
import type { Sample } from './baseline/load';
import { floodResult, scenarioResults } from './baseline/results';
import { runGroups } from './baseline/run-groups';
import { seedThroughApi } from './baseline/seed';
import { loginSizing, readSettings } from './baseline/settings';
import type { ScenarioOptions } from './scenario';

export async function benchBaseline(options: ScenarioOptions): Promise<void> {
  const settings = readSettings(options);
  const started = performance.now();
  const loadStart = loadavg();
  const run = randomBytes(4).toString('hex');
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch((e: unknown) => console.error('cleanup:', e));
  };
  const stopListening = cleanUpOnInterrupt('stopping the targets and dropping the bench database', cleanup);

  try {
    const log = (m: string) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${m}`);
    const database = await createBenchDatabase(loadEnvironment());
    cleanups.push(() => database.drop());
    log(`database: ${database.label} (PostgreSQL ${database.version})`);

    const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const redis = await probeRedis(redisUrl, `bastion-bench-${run}:`);
    if (redis.unavailable) log(`Redis: ${redis.unavailable}: the Redis throttler scenario is skipped`);
    else cleanups.push(async () => void (await redisKeys(redis.url, redis.prefix, true)));

    const baseEnv = benchEnvironment(settings.logLevel, database.url);
    const appEnv = loadEnvironment(baseEnv);
    const sizing = loginSizing(baseEnv, settings.connections);

    const scratch = mkdtempSync(join(tmpdir(), 'bastion-bench-'));
    cleanups.push(() => Promise.resolve(rmSync(scratch, { recursive: true, force: true })));
    const { targets, readies } = await startFleet({
      baseEnv,
      redis,
      candidate: process.env.BENCH_CANDIDATE,
      scratch,
      onCleanup: (step) => cleanups.push(step),
      log,
    });

    // Seed through the API, and check that every path answers what it should.
    const seed = await seedThroughApi(targets.app.url(''), run);
    const { etag } = await checkPaths(targets, seed);
    log('seeded: 3 users, 40 projects; every path answered as expected');

    const floodTotals: NonNullable<Report['flood']> = { connections: sizing.floodConnections, statuses: {}, errors: 0 };
    const groups = buildGroups({
      targets,
      connections: settings.connections,
      seed,
      etag,
      sizing,
      redisUnavailable: redis.unavailable,
      floodTotals,
    });
    const { samples, problems, profiles } = await runGroups(groups, settings, targets, redis, log);
    const buildReport = (measured: Map<string, Sample>, only = settings.only, seen = problems): Report => {
      const scenarios = scenarioResults(groups, only, measured, seen);
      return {
        generated_at: new Date().toISOString(),
        smoke: settings.smoke,
        git_sha: gitSha(),
        machine: machine(loadStart),
        settings: {
          seconds_per_scenario: settings.seconds,
          connections: settings.connections,
          groups: only,
          log_level: settings.logLevel,
          database: `${database.label}, PostgreSQL ${database.version}`,
          db_pool_size: appEnv.dbPoolSize,
          redis: redis.unavailable ? `unavailable: ${redis.unavailable}` : `${redis.url} (Redis ${redis.version ?? '?'})`,
          argon2: { ...readies.argon2.argon2, max_concurrency: sizing.maxConcurrency, max_queue: sizing.maxQueue },
          uv_threadpool_size: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
          login_connections: sizing.loginConnections,
          raw_verify_concurrency: sizing.verifyConcurrency,
          flood_connections: sizing.floodConnections,
        },
        scenarios,
        comparisons: comparisons(scenarios),
        flood: floodResult(floodTotals, seen),
        problems: seen,
        duration_seconds: (performance.now() - started) / 1000,
      };
    };
    const report = buildReport(samples);
    writeReport(settings.outDir, report, profiles, log);
    if (problems.length > 0) throw new Error(`the baseline saw ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    if (settings.check) {
      // A group whose ratio fell under its floor is measured once more (fresh slices, same processes)
      // and fails the gate only if it falls under again: one unlucky run of a shared machine is not a regression.
      const baseline = readBaseline(settings.outDir);
      let verdicts = checkAgainstBaseline(report, baseline);
      const suspects = groupsOf(
        report,
        verdicts.filter((v) => !v.ok),
      );
      if (suspects.length > 0) {
        log(`--check: ${suspects.join(', ')} under the floor; measuring again`);
        const again = await runGroups(groups, { ...settings, only: suspects, profile: false }, targets, redis, log);
        const retried = checkAgainstBaseline(buildReport(again.samples, suspects, again.problems), baseline);
        if (again.problems.length > 0) throw new Error(`the second measurement saw problems:\n  ${again.problems.join('\n  ')}`);
        const retriedIds = new Set(retried.map((v) => v.id));
        verdicts = [...verdicts.filter((v) => !retriedIds.has(v.id)), ...retried];
      }
      console.log(`\n## Regression gate (bench/baseline.json)\n\n${formatVerdicts(verdicts)}\n`);
      const regressed = verdicts.filter((v) => !v.ok);
      if (regressed.length > 0)
        throw new Error(
          `regressed below the baseline's floor: ${regressed.map((v) => `${v.id} ${v.ratio.toFixed(2)} < ${v.floor}`).join(', ')}`,
        );
      log(`--check: ${verdicts.length} ratios at or above their floors`);
    }
  } finally {
    await cleanup();
    stopListening();
  }
}
