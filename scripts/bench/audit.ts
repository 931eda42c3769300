/**
 * Benchmark `audit`: audit rows/s through the real paths (real PostgreSQL) with 1, 10 and 50
 * concurrent writers, each awaited until its row is on the hash chain:
 * - after commit: EventBus.publish outside a transaction → the draft handed to the drainer in
 *   memory → appended in the next drain pass (group commit);
 * - in a transaction: `runInTransaction` around the publish → the outbox INSERT in that
 *   transaction → COMMIT → the drain that moves it onto the chain;
 * then how fast `audit:verify` walks the chain that was written.
 *
 * Runs against a throw-away database on the configured server (DATABASE_URL, or the embedded
 * PostgreSQL), so no benchmark rows ever land in a real audit trail.
 *
 *   npm run bench -- audit [--seconds 5]
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/contexts/audit';
import { createApp } from '../../src/platform/app/create-app';
import { loadEnvironment } from '../../src/platform/config';
import { resolveDatabaseUrl } from '../../src/platform/database/resolve-database-url';
import { runInTransaction } from '../../src/platform/database/transaction-context';
import { EventBus } from '../../src/platform/events';
import { timed, warmUp } from './sampling';
import { quietTestDefaults, type ScenarioOptions } from './scenario';
import { createThrowawayDatabase } from './throwaway-database';

const WRITERS = [1, 10, 50];

export async function benchAudit(options: ScenarioOptions): Promise<void> {
  quietTestDefaults();
  const { url: serverUrl, embedded } = await resolveDatabaseUrl(loadEnvironment());
  const name = `bastion_bench_audit_${randomBytes(4).toString('hex')}`;
  const database = await createThrowawayDatabase(serverUrl, name);
  // The app reads DATABASE_URL from process.env while it is created and initialised (its
  // config module), not from `env`: point it at the throw-away database until then.
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = database.url;
  const env = loadEnvironment();
  const app = await createApp(env);
  try {
    await app.init();
  } finally {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
  try {
    const [{ db }] = await app.get(DataSource).query<{ db: string }[]>('SELECT current_database() AS db');
    if (db !== name) throw new Error(`the benchmark app is connected to "${db}", not its throw-away database "${name}"`);
    const bus = app.get(EventBus);
    const dataSource = app.get(DataSource);
    const publish = () =>
      bus.publish('status.event_posted', { event_id: randomUUID(), service: 'bench', status: 'operational', by_user_id: null });
    const publishInTransaction = () => runInTransaction(dataSource, () => publish());
    await warmUp(200, publish);

    const paths = [
      ['after commit', publish],
      ['in a transaction', publishInTransaction],
    ] as const;
    console.log(
      `scenario audit: EventBus.publish → chained audit row, ${options.seconds}s per writer count, pool ${env.dbPoolSize}`,
    );
    for (const [path, op] of paths) {
      for (const writers of WRITERS) {
        const r = await timed(options.seconds, writers, op);
        console.log(
          `${`${path}, ${writers} writer${writers === 1 ? '' : 's'}`.padEnd(30)} ${r.perSecond.toFixed(0).padStart(6)} rows/s  p50 ${r.p50.toFixed(2).padStart(7)} ms  p95 ${r.p95.toFixed(2).padStart(7)} ms  (${r.ops} rows)`,
        );
      }
    }

    const start = performance.now();
    const report = await app.get(AuditService).verify();
    const seconds = (performance.now() - start) / 1000;
    if (!report.ok) throw new Error(`the benchmark's chain does not verify: ${report.problem?.message}`);
    console.log(
      `${'audit:verify'.padEnd(30)} ${(report.verified / seconds).toFixed(0).padStart(6)} rows/s  (${report.verified} rows in ${seconds.toFixed(2)} s, chain valid)`,
    );
  } finally {
    await app.close();
    await database.drop();
    if (embedded?.owned) await embedded.stop();
  }
}
