/**
 * Where the machine's time goes while a scenario runs: the CPU time (user + system, every thread)
 * its server process, PostgreSQL (every process named `postgres`: the server and its backends,
 * whichever database they serve) and the load generators spent over its slices, read from
 * `/proc` before and after each slice. Divided by the responses the scenario measured, it is
 * what one response cost each of them — the figure that tells a floor from an overhead when two
 * processes share two cores. Linux only; elsewhere nothing is reported.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports CPU time in clock ticks of USER_HZ, which is 100 on every architecture Node runs on. */
const TICK_MS = 10;

export interface CpuSplit {
  /** The server process that answered the scenario (with its threadpool: argon2 runs there). */
  server: number;
  postgres: number;
  /** The load generator and the login flood. */
  generators: number;
}

/** CPU milliseconds process `pid` has used so far, or null when `/proc` cannot tell (not Linux, or gone). */
export function processCpuMs(pid: number | undefined, proc = '/proc'): number | null {
  if (pid === undefined) return null;
  try {
    return ticksOf(readFileSync(`${proc}/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** The CPU milliseconds in one `/proc/<pid>/stat` line: utime + stime (fields 14 and 15). */
export function ticksOf(stat: string): number {
  const { user, system } = timesOf(stat);
  return user + system;
}

/** utime and stime of a `/proc/<pid>/stat` (or `/proc/<pid>/task/<tid>/stat`) line, in milliseconds. */
function timesOf(stat: string): { user: number; system: number } {
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * TICK_MS, system: Number(fields[12]) * TICK_MS };
}

/** CPU milliseconds each running process named `postgres` has used so far, by pid, or null without `/proc`. */
export function postgresCpuMs(proc = '/proc'): Map<number, number> | null {
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    try {
      if (readFileSync(`${proc}/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      byPid.set(Number(pid), ticksOf(readFileSync(`${proc}/${pid}/stat`, 'utf8')));
    } catch {
      // the process ended meanwhile
    }
  }
  return byPid;
}

export interface CpuProbe {
  server: number | undefined;
  generators: (number | undefined)[];
}

/** A reading of the three, to subtract from a later one (`cpuBetween`); null when any cannot be read. */
export interface CpuReading {
  server: number;
  postgres: Map<number, number>;
  generators: number;
}

export function readCpu({ server, generators }: CpuProbe, proc = '/proc'): CpuReading | null {
  const s = processCpuMs(server, proc);
  const p = postgresCpuMs(proc);
  const g = generators.map((pid) => processCpuMs(pid, proc));
  if (s === null || p === null || g.some((x) => x === null)) return null;
  return { server: s, postgres: p, generators: g.reduce<number>((a, b) => a + (b ?? 0), 0) };
}

/**
 * What was spent between two readings. PostgreSQL per backend: one started meanwhile counts whole,
 * one that ended meanwhile (a pool closing an idle connection) takes only what it spent since the
 * first reading with it, which for an idle connection is nothing.
 */
export function cpuBetween(before: CpuReading, after: CpuReading): CpuSplit {
  let postgres = 0;
  for (const [pid, ms] of after.postgres) postgres += Math.max(0, ms - (before.postgres.get(pid) ?? 0));
  return { server: after.server - before.server, postgres, generators: after.generators - before.generators };
}

export function addCpu(a: CpuSplit, b: CpuSplit): CpuSplit {
  return { server: a.server + b.server, postgres: a.postgres + b.postgres, generators: a.generators + b.generators };
}

/** What a thread of a Node process does, by its name: the event loop, V8's workers (GC, compilers), libuv's threadpool. */
export type ThreadRole = 'main' | 'v8' | 'threadpool' | 'other';

export const THREAD_ROLES: readonly ThreadRole[] = ['main', 'v8', 'threadpool', 'other'];

/** The role of thread `tid` of process `pid` named `comm` (`V8Worker`, `libuv-worker`, …; the main thread's tid is the pid). */
export function threadRole(pid: number, tid: number, comm: string): ThreadRole {
  if (tid === pid) return 'main';
  if (comm.startsWith('libuv-worker')) return 'threadpool';
  if (/^V8|^v8:/.test(comm)) return 'v8';
  return 'other';
}

/**
 * CPU milliseconds process `pid` has used so far by thread role (user and system apart), or null without
 * `/proc`. A thread that ended meanwhile takes its time with it: read around work that starts none.
 */
export function threadCpuMs(pid: number, proc = '/proc'): Record<ThreadRole, { user: number; system: number }> | null {
  let tids: string[];
  try {
    tids = readdirSync(`${proc}/${pid}/task`).filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const out = Object.fromEntries(THREAD_ROLES.map((role) => [role, { user: 0, system: 0 }])) as Record<
    ThreadRole,
    { user: number; system: number }
  >;
  for (const tid of tids) {
    try {
      const stat = readFileSync(`${proc}/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const { user, system } = timesOf(stat);
      const role = out[threadRole(pid, Number(tid), comm)];
      role.user += user;
      role.system += system;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}
