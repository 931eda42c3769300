import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { EventBus } from '../events/event-bus';
import { JOB_RUN_RETENTION_MS, slotStart } from './slot';

export type JobOutcome = 'succeeded' | 'failed' | 'skipped';

/**
 * Runs a scheduled job body at most once per slot across every instance.
 *
 * Inside one transaction it takes `pg_try_advisory_xact_lock` (transaction-scoped, so a
 * pooled connection can never leak it) and claims the `(job, slot)` row under the primary
 * key, so neither concurrent instances nor clock skew can run a slot twice. The body runs
 * in a savepoint: if it fails, its writes roll back and the slot is recorded as failed.
 *
 * On shutdown, runs in flight finish before the database pool closes (the pool closes in
 * `onApplicationShutdown`, after this hook and after the HTTP server).
 */
@Injectable()
export class JobRunner implements BeforeApplicationShutdown {
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('Jobs');
  private readonly inFlight = new Set<Promise<JobOutcome>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs `body` for the slot `now` falls in, unless another instance has it or had it. */
  runOnce(
    job: string,
    periodMs: number,
    body: (manager: EntityManager) => Promise<void>,
    now: Date = new Date(),
  ): Promise<JobOutcome> {
    const run = this.run(job, periodMs, body, now);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run)).catch(() => undefined);
    return run;
  }

  private async run(
    job: string,
    periodMs: number,
    body: (manager: EntityManager) => Promise<void>,
    now: Date,
  ): Promise<JobOutcome> {
    const slot = slotStart(now, periodMs);
    const started = Date.now();
    const outcome = await this.dataSource.transaction(async (manager): Promise<JobOutcome> => {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        [`job:${job}`],
      );
      if (!locked) return 'skipped';
      const claimed = await manager.query<unknown[]>(
        `INSERT INTO job_runs (job, slot, instance_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING job`,
        [job, slot, this.instanceId],
      );
      if (claimed.length === 0) return 'skipped';
      let result: JobOutcome = 'succeeded';
      try {
        await manager.transaction(body);
      } catch (error) {
        result = 'failed';
        this.logger.error({ err: error, job, slot: slot.toISOString() }, `Job ${job} failed`);
      }
      await manager.query(`UPDATE job_runs SET finished_at = now(), outcome = $3 WHERE job = $1 AND slot = $2`, [
        job,
        slot,
        result,
      ]);
      await manager.query(`DELETE FROM job_runs WHERE job = $1 AND slot < $2`, [
        job,
        new Date(slot.getTime() - JOB_RUN_RETENTION_MS),
      ]);
      return result;
    });
    if (outcome !== 'skipped') {
      await this.events.publish('jobs.run_completed', {
        job,
        slot: slot.toISOString(),
        instance_id: this.instanceId,
        outcome,
        duration_ms: Date.now() - started,
      });
    }
    return outcome;
  }
}
