import { Coalesced } from './coalesced';

describe('Coalesced', () => {
  it('runs one at a time, and once more for any number of kicks during a run', async () => {
    let runs = 0;
    let release!: () => void;
    const gate = () => new Promise<void>((resolve) => (release = resolve));
    const coalesced = new Coalesced(async () => {
      runs += 1;
      await gate();
    }, fail);
    coalesced.kick();
    coalesced.kick();
    coalesced.kick();
    expect(runs).toBe(1);
    release();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2);
    release();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2);
  });

  it('reports a failed run and runs again on the next kick', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const coalesced = new Coalesced(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
      (error) => errors.push(error),
    );
    coalesced.kick();
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual([new Error('boom')]);
    coalesced.kick();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
  });
});

function fail(error: unknown): never {
  throw error;
}
