import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { JobRunner } from '../src/platform/jobs';
import { createTestApp, type TestApp } from './support/app';

const MINUTE = 60_000;

describe('once-across-instances jobs (e2e, two app instances on one database)', () => {
  let a: TestApp;
  let b: TestApp;
  const completed: { app: string; job: string; outcome: string }[] = [];

  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp({ db: a.db });
    for (const [name, t] of [
      ['a', a],
      ['b', b],
    ] as const) {
      t.app
        .get(EventEmitter2)
        .on('jobs.run_completed', (e: { job: string; outcome: string }) => completed.push({ app: name, ...e }));
    }
    await a.db.query('CREATE TABLE job_side_effects (job text, note text)');
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('runs a slot exactly once when both instances fire together', async () => {
    const now = new Date('2026-01-01T10:00:30Z');
    const body = (instance: string) => async (m: import('typeorm').EntityManager) => {
      await m.query(`INSERT INTO job_side_effects VALUES ('cleanup', $1)`, [instance]);
    };
    const outcomes = await Promise.all([
      a.app.get(JobRunner).runOnce('cleanup', MINUTE, body('a'), now),
      b.app.get(JobRunner).runOnce('cleanup', MINUTE, body('b'), now),
      a.app.get(JobRunner).runOnce('cleanup', MINUTE, body('a'), new Date(now.getTime() + 20_000)),
    ]);
    expect(outcomes.filter((o) => o === 'succeeded')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(2);
    expect(await a.db.query(`SELECT * FROM job_side_effects WHERE job = 'cleanup'`)).toHaveLength(1);
    expect(await a.db.query(`SELECT * FROM job_runs WHERE job = 'cleanup'`)).toEqual([
      expect.objectContaining({ outcome: 'succeeded', slot: new Date('2026-01-01T10:00:00Z') }),
    ]);
    expect(completed.filter((e) => e.job === 'cleanup')).toHaveLength(1);
  });

  it('runs again in the next slot, on whichever instance gets there', async () => {
    const outcome = await b.app
      .get(JobRunner)
      .runOnce('cleanup', MINUTE, () => Promise.resolve(), new Date('2026-01-01T10:01:05Z'));
    expect(outcome).toBe('succeeded');
    expect(await a.db.query(`SELECT slot FROM job_runs WHERE job = 'cleanup' ORDER BY slot`)).toHaveLength(2);
  });

  it('a failing body rolls back its writes and records the slot as failed', async () => {
    const outcome = await a.app.get(JobRunner).runOnce(
      'flaky',
      MINUTE,
      async (m) => {
        await m.query(`INSERT INTO job_side_effects VALUES ('flaky', 'partial')`);
        throw new Error('provider down');
      },
      new Date('2026-01-01T10:00:00Z'),
    );
    expect(outcome).toBe('failed');
    expect(await a.db.query(`SELECT * FROM job_side_effects WHERE job = 'flaky'`)).toHaveLength(0);
    expect(await a.db.query(`SELECT outcome FROM job_runs WHERE job = 'flaky'`)).toEqual([{ outcome: 'failed' }]);
    expect(completed).toContainEqual(expect.objectContaining({ job: 'flaky', outcome: 'failed' }));
  });

  it('prunes its own job_runs rows older than the retention window', async () => {
    await a.db.query(
      `INSERT INTO job_runs (job, slot, instance_id, outcome) VALUES ('pruned', '2025-01-01T00:00:00Z', 'old', 'succeeded')`,
    );
    await a.app.get(JobRunner).runOnce('pruned', MINUTE, () => Promise.resolve(), new Date('2026-01-01T00:00:00Z'));
    const rows = await a.app
      .get(DataSource)
      .query<{ instance_id: string }[]>(`SELECT instance_id FROM job_runs WHERE job = 'pruned'`);
    expect(rows.map((r) => r.instance_id)).not.toContain('old');
    expect(rows).toHaveLength(1);
  });
});
