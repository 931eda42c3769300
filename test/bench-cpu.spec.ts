import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cpuBetween,
  postgresCpuMs,
  processCpuMs,
  readCpu,
  threadCpuMs,
  threadRole,
  ticksOf,
} from '../scripts/bench/baseline/cpu';
import { emptySample, mergeInto, type Sample, summarize } from '../scripts/bench/baseline/load';

/** A `/proc/<pid>/stat` line with `utime` and `stime` (fields 14 and 15) in ticks. */
const stat = (pid: number, comm: string, utime: number, stime: number) =>
  `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 100 1000 10\n`;

describe('benchmark CPU accounting', () => {
  let proc: string;
  const process_ = (pid: number, comm: string, utime: number, stime: number) => {
    mkdirSync(join(proc, String(pid)), { recursive: true });
    writeFileSync(join(proc, String(pid), 'comm'), `${comm}\n`);
    writeFileSync(join(proc, String(pid), 'stat'), stat(pid, comm, utime, stime));
  };

  beforeEach(() => {
    proc = mkdtempSync(join(tmpdir(), 'bench-proc-'));
  });
  afterEach(() => rmSync(proc, { recursive: true, force: true }));

  it('reads utime + stime in milliseconds, whatever the command name holds', () => {
    expect(ticksOf(stat(7, 'node', 250, 50))).toBe(3000);
    expect(ticksOf(stat(7, 'a (b) c', 1, 2))).toBe(30);
  });

  it('sums every postgres process and nothing else, and reads one process by pid', () => {
    process_(10, 'postgres', 100, 20);
    process_(11, 'postgres', 5, 5);
    process_(12, 'node', 1000, 1000);
    mkdirSync(join(proc, 'self'));
    expect(postgresCpuMs(proc)).toEqual(
      new Map([
        [10, 1200],
        [11, 100],
      ]),
    );
    expect(processCpuMs(12, proc)).toBe(20_000);
    expect(processCpuMs(99, proc)).toBeNull();
    expect(processCpuMs(undefined, proc)).toBeNull();
    expect(postgresCpuMs(join(proc, 'missing'))).toBeNull();
  });

  it('splits a slice between the server, PostgreSQL and the generators, and gives nothing when one cannot be read', () => {
    process_(20, 'node', 100, 0);
    process_(21, 'postgres', 10, 0);
    process_(22, 'node', 3, 0);
    const probe = { server: 20, generators: [22] };
    const before = readCpu(probe, proc)!;
    process_(20, 'node', 150, 10);
    process_(21, 'postgres', 30, 0);
    process_(22, 'node', 4, 1);
    expect(cpuBetween(before, readCpu(probe, proc)!)).toEqual({ server: 600, postgres: 200, generators: 20 });
    // A backend that ended meanwhile does not make the sum go down; one that started counts whole.
    rmSync(join(proc, '21'), { recursive: true });
    process_(23, 'postgres', 7, 0);
    expect(cpuBetween(before, readCpu(probe, proc)!).postgres).toBe(70);
    expect(readCpu({ server: 20, generators: [22, 404] }, proc)).toBeNull();
  });

  it('tells a thread’s role by its name: the event loop (tid = pid), V8’s workers, libuv’s threadpool, the rest', () => {
    expect(threadRole(30, 30, 'node')).toBe('main');
    expect(threadRole(30, 30, 'MainThread')).toBe('main');
    expect(threadRole(30, 31, 'V8Worker')).toBe('v8');
    expect(threadRole(30, 32, 'v8:ProfEvntProc')).toBe('v8');
    expect(threadRole(30, 33, 'libuv-worker')).toBe('threadpool');
    expect(threadRole(30, 34, 'node')).toBe('other');
  });

  it('sums a process’s threads by role, user and system apart, and gives null for a process it cannot read', () => {
    const thread = (pid: number, tid: number, comm: string, utime: number, stime: number) => {
      mkdirSync(join(proc, String(pid), 'task', String(tid)), { recursive: true });
      writeFileSync(join(proc, String(pid), 'task', String(tid), 'stat'), stat(tid, comm, utime, stime));
    };
    thread(40, 40, 'node', 100, 20);
    thread(40, 41, 'V8Worker', 5, 1);
    thread(40, 42, 'V8Worker', 5, 0);
    thread(40, 43, 'libuv-worker', 300, 2);
    thread(40, 44, 'libuv-worker', 0, 3);
    thread(40, 45, 'node (inspector)', 1, 1);
    expect(threadCpuMs(40, proc)).toEqual({
      main: { user: 1000, system: 200 },
      v8: { user: 100, system: 10 },
      threadpool: { user: 3000, system: 50 },
      other: { user: 10, system: 10 },
    });
    expect(threadCpuMs(404, proc)).toBeNull();
  });

  it('reads this very process on Linux', () => {
    if (process.platform !== 'linux') return expect(processCpuMs(process.pid)).toBeNull();
    expect(processCpuMs(process.pid)).toBeGreaterThan(0);
  });

  const slice = (responses: number, cpuMs?: Sample['cpuMs']): Sample => ({
    latencies: Array.from({ length: responses }, () => 1),
    statuses: { 200: responses },
    errors: 0,
    timeouts: 0,
    elapsedMs: 1000,
    ...(cpuMs ? { cpuMs } : {}),
  });

  it('adds the slices up and divides by the responses; one slice without CPU time drops it for the sample', () => {
    const sample = emptySample();
    mergeInto(sample, slice(100, { server: 50, postgres: 20, generators: 10 }));
    mergeInto(sample, slice(100, { server: 30, postgres: 20, generators: 10 }));
    expect(summarize(sample).cpuMsPerResponse).toEqual({ server: 0.4, postgres: 0.2, generators: 0.1 });
    mergeInto(sample, slice(100));
    expect(summarize(sample).cpuMsPerResponse).toBeUndefined();
    mergeInto(sample, slice(100, { server: 1, postgres: 1, generators: 1 }));
    expect(summarize(sample).cpuMsPerResponse).toBeUndefined();
  });
});
