import { BoundedPool, PoolSaturatedError } from './bounded-pool';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('BoundedPool', () => {
  it('runs at most `concurrency` tasks at once and queues the next ones in order', async () => {
    const pool = new BoundedPool('test', 2, 2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      pool.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect([pool.running, pool.queued]).toEqual([2, 2]);
    gates[1].resolve();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    gates[3].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([pool.running, pool.queued]).toEqual([0, 0]);
  });

  it('refuses at once when running and queue are full, and recovers when they drain', async () => {
    const pool = new BoundedPool('argon2', 1, 1);
    const gate = deferred();
    expect(pool.saturated).toBe(false);
    const first = pool.run(() => gate.promise);
    expect(pool.saturated).toBe(false); // a queue place is left
    const second = pool.run(() => Promise.resolve('queued'));
    expect(pool.saturated).toBe(true);
    await expect(pool.run(() => Promise.resolve('refused'))).rejects.toBeInstanceOf(PoolSaturatedError);
    gate.resolve();
    await first;
    expect(await second).toBe('queued');
    expect(pool.saturated).toBe(false);
    expect(await pool.run(() => Promise.resolve('again'))).toBe('again');
  });

  it('frees the slot when a task fails', async () => {
    const pool = new BoundedPool('test', 1, 0);
    await expect(pool.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await pool.run(() => Promise.resolve(1))).toBe(1);
    expect(pool.running).toBe(0);
  });

  it('with no queue, refuses the second concurrent task', async () => {
    const pool = new BoundedPool('test', 1, 0);
    const gate = deferred();
    const first = pool.run(() => gate.promise);
    await expect(pool.run(() => Promise.resolve())).rejects.toThrow('test is saturated');
    gate.resolve();
    await first;
  });

  describe('admission of callers that submit later', () => {
    it('admits no more callers than the pool takes (running + queue), until they release', () => {
      const pool = new BoundedPool('test', 2, 1);
      const releases = [pool.admit(), pool.admit(), pool.admit()];
      expect(releases.every((r) => typeof r === 'function')).toBe(true);
      expect(pool.admittedCallers).toBe(3);
      expect(pool.admit()).toBeNull();
      releases[0]!();
      releases[0]!(); // twice is once
      expect(pool.admittedCallers).toBe(2);
      expect(pool.admit()).not.toBeNull();
      expect(pool.admit()).toBeNull();
    });

    it('refuses admission while the pool itself is saturated by tasks of callers never admitted', async () => {
      const pool = new BoundedPool('test', 1, 0);
      const gate = deferred();
      const running = pool.run(() => gate.promise);
      expect(pool.admit()).toBeNull();
      gate.resolve();
      await running;
      const release = pool.admit();
      expect(release).not.toBeNull();
      // The admitted caller's own task runs: admission reserves a place, it does not take one.
      await expect(pool.run(() => Promise.resolve('ran'))).resolves.toBe('ran');
      release!();
      expect(pool.admittedCallers).toBe(0);
    });
  });
});
