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
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/contexts/audit';
import { createApp } from '../../src/platform/app/create-app';
import { loadEnvironment } from '../../src/platform/config';
import { resolveDatabaseUrl } from '../../src/platform/database/resolve-database-url';
import { runInTransaction } from '../../src/platform/database/transaction-context';
import { EventBus } from '../../src/platform/events';

interface Options {
  seconds: number;
  concurrency: number;
}

interface Timing {
  ops: number;
  perSecond: number;
  p50: number;
  p95: number;
}

const WRITERS = [1, 10, 50];

async function sample(seconds: number, writers: number, op: () => Promise<void>): Promise<Timing> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await op();
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { ops: latencies.length, perSecond: latencies.length / seconds, p50: pct(0.5), p95: pct(0.95) };
}

async function onServer<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function benchAudit(options: Options): Promise<void> {
  process.env.APP_ENV ??= 'test';
  process.env.LOG_LEVEL ??= 'silent';
  const { url: serverUrl, embedded } = await resolveDatabaseUrl(loadEnvironment());
  const name = `bastion_bench_audit_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const benchUrl = new URL(serverUrl);
  benchUrl.pathname = `/${name}`;
  // The app reads DATABASE_URL from process.env while it is created and initialised (its
  // config module), not from `env`: point it at the throw-away database until then.
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = benchUrl.toString();
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
    for (let i = 0; i < 200; i++) await publish();

    const paths = [
      ['after commit', publish],
      ['in a transaction', publishInTransaction],
    ] as const;
    console.log(
      `scenario audit: EventBus.publish → chained audit row, ${options.seconds}s per writer count, pool ${env.dbPoolSize}`,
    );
    for (const [path, op] of paths) {
      for (const writers of WRITERS) {
        const r = await sample(options.seconds, writers, op);
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
    await onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    if (embedded?.owned) await embedded.stop();
  }
}
