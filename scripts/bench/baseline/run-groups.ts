/**
 * Measures the selected groups: each member warmed up, then the group's members in
 * interleaved slices (order reversed every round) so that load from elsewhere on the machine
 * hits a scenario and its peer alike; with `--profile`, a CPU profile of the apps over exactly
 * those slices.
 */
import { join } from 'node:path';
import type { Group, Member } from './groups';
import { cpuBetween, readCpu } from './cpu';
import { emptySample, mergeInto, type Sample, sleep } from './load';
import type { Target } from './processes';
import { type BenchRedis, redisKeys } from './redis';
import type { Settings } from './settings';
import type { FromTarget, ToTarget } from './targets';

export interface Measured {
  /** Every member's slices, merged, by member id. */
  samples: Map<string, Sample>;
  problems: string[];
  /** The `.cpuprofile` files written (with `--profile`). */
  profiles: string[];
}

/** The app processes, each profiled in the groups that measure it. */
const APPS = ['app', 'app-unthrottled', 'app-memory', 'app-redis', 'app-fresh', 'app-candidate'];

/** The app processes a group measures (and so profiles, with `--profile`). */
const PROFILED: Partial<Record<string, readonly string[]>> = {
  hello: ['app', 'app-fresh', 'app-candidate'],
  throttler: ['app-unthrottled', 'app-memory', 'app-redis'],
};

export async function runGroups(
  groups: Group[],
  settings: Settings,
  targets: Record<string, Target>,
  redis: BenchRedis,
  log: (message: string) => void,
): Promise<Measured> {
  const samples = new Map<string, Sample>();
  const problems: string[] = [];
  const apps = APPS.filter((name) => targets[name]);
  const profiles: string[] = [];
  // Each process must be warm on every path it serves before it is measured: a fresh app
  // process needs some 10k requests (measured: ~600 req/s on the item GET after 2.5 s of
  // warm-up, ~1,100 after 15 s) to reach its steady state; the peers are warm within a second.
  const appWarm = Number(process.env.BENCH_WARM_SECONDS ?? 5);
  const warmSeconds = (m: Member) =>
    settings.smoke ? 0.25 : m.warmAsApp || m.server.startsWith('app') || m.server.startsWith('candidate') ? appWarm : 1;
  for (const group of groups) {
    if (!settings.only.includes(group.id)) continue;
    const active = group.members.filter((m) => !m.skipped);
    const rounds = Math.max(1, Math.round(settings.seconds / group.slice));
    const slice = settings.seconds / rounds;
    log(`${group.id}: ${active.map((m) => m.id).join(', ')}; ${rounds} × ${slice.toFixed(2)} s each`);
    for (const member of active) {
      if (member.noWarmUp) continue;
      await member.run(warmSeconds(member));
      await sleep(group.settleMs);
    }
    const profiled = apps.filter((name) => (PROFILED[group.id] ?? ['app', 'app-candidate']).includes(name));
    if (settings.profile) for (const name of profiled) targets[name].child.send({ type: 'profile-start' } satisfies ToTarget);
    for (let round = 0; round < rounds; round++) {
      for (const member of round % 2 === 0 ? active : [...active].reverse()) {
        const sample = samples.get(member.id) ?? emptySample();
        const probe = {
          server: member.cpuOf ? targets[member.cpuOf]?.child.pid : undefined,
          generators: [targets.client?.child.pid, targets.flood?.child.pid],
        };
        const before = readCpu(probe);
        const measured = await member.run(slice);
        const after = readCpu(probe);
        mergeInto(sample, before && after ? { ...measured, cpuMs: cpuBetween(before, after) } : measured);
        samples.set(member.id, sample);
        await sleep(group.settleMs);
      }
    }
    if (settings.profile) {
      for (const name of profiled) {
        const file = join(settings.outDir, 'profiles', `${group.id}-${name}.cpuprofile`);
        await targets[name].ask(
          { type: 'profile-stop', file },
          (m): m is Extract<FromTarget, { type: 'profiled' }> => m.type === 'profiled',
        );
        profiles.push(file);
      }
    }
    // Right away: the counters expire one window (60 s) after their first hit.
    if (group.id === 'throttler' && targets['app-redis'] && (await redisKeys(redis.url, redis.prefix, false)) === 0) {
      problems.push('item-redis: no rate-limit key reached Redis (the app fell back to its in-memory insurance limiter)');
    }
  }
  return { samples, problems, profiles };
}
