import { randomFill } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Where Linux lists a process's threads, each with its name in `comm`. */
const TASKS = '/proc/self/task';
/** The name libuv gives its threadpool threads. */
const THREADPOOL_THREAD = 'libuv-worker';

export type ThreadpoolPriority = { applied: true; nice: number; threads: number } | { applied: false; reason: string };

/**
 * Lowers the CPU priority of libuv's threadpool threads (raises their nice value), where
 * argon2 hashing runs (and fs, zlib and async crypto work), below the event loop thread
 * that routes, guards and answers every request. A cap on concurrent hashings bounds how
 * much CPU they take; on a machine with as many hashings allowed as cores, they can still
 * fill every core, and then every other route waits. With a lower priority, the scheduler
 * runs the event loop (and PostgreSQL, and everything else at normal priority) first, and
 * hashing gets what is left: a login flood slows logins, not the rest of the API.
 *
 * Linux only: nice values are per thread there, and the threads are found by name. The pool
 * creates all its threads on first use, so one tiny task is queued first to make them exist.
 * Raising one's own nice value needs no privilege.
 */
export async function lowerThreadpoolPriority(nice: number, tasks = TASKS): Promise<ThreadpoolPriority> {
  if (nice === 0) return { applied: false, reason: 'THREADPOOL_NICE is 0' };
  await new Promise((resolve) => randomFill(Buffer.alloc(1), resolve));
  let ids: string[];
  try {
    ids = readdirSync(tasks);
  } catch {
    return { applied: false, reason: `${tasks} is not readable (not Linux?)` };
  }
  let threads = 0;
  for (const id of ids) {
    let name: string;
    try {
      name = readFileSync(`${tasks}/${id}/comm`, 'utf8').trim();
    } catch {
      continue; // the thread ended meanwhile
    }
    if (name !== THREADPOOL_THREAD) continue;
    setPriority(Number(id), nice);
    threads += 1;
  }
  return threads > 0 ? { applied: true, nice, threads } : { applied: false, reason: `no ${THREADPOOL_THREAD} thread found` };
}
