import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lowerThreadpoolPriority } from './threadpool-priority';

function threadsNamed(name: string): number[] {
  return readdirSync('/proc/self/task')
    .filter((id) => readFileSync(`/proc/self/task/${id}/comm`, 'utf8').trim() === name)
    .map(Number);
}

describe('lowerThreadpoolPriority', () => {
  it('on Linux raises the nice value of every threadpool thread and of no other thread; elsewhere says why not', async () => {
    const main = getPriority(process.pid);
    const result = await lowerThreadpoolPriority(7);
    expect(getPriority(process.pid)).toBe(main);
    if (process.platform !== 'linux') {
      expect(result).toEqual({ applied: false, reason: '/proc/self/task is not readable (not Linux?)' });
      return;
    }
    const workers = threadsNamed('libuv-worker');
    expect(workers.length).toBeGreaterThan(0);
    expect(result).toEqual({ applied: true, nice: 7, threads: workers.length });
    expect(workers.map((tid) => getPriority(tid))).toEqual(workers.map(() => 7));
  });

  it('leaves everything alone at nice 0', async () => {
    expect(await lowerThreadpoolPriority(0)).toEqual({ applied: false, reason: 'THREADPOOL_NICE is 0' });
  });

  it('says why when there is no task list, or no threadpool thread in it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasks-'));
    try {
      expect(await lowerThreadpoolPriority(5, join(dir, 'missing'))).toEqual({
        applied: false,
        reason: `${join(dir, 'missing')} is not readable (not Linux?)`,
      });
      mkdirSync(join(dir, '1'));
      writeFileSync(join(dir, '1', 'comm'), 'MainThread\n');
      mkdirSync(join(dir, '2')); // a thread that ended while the list was read: no comm
      expect(await lowerThreadpoolPriority(5, dir)).toEqual({ applied: false, reason: 'no libuv-worker thread found' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
