/**
 * Benchmark `idempotency`: requests/s of a POST that inserts one row in a transaction, through
 * the real app (Fastify inject, real PostgreSQL): without a key; with a new key every time on a
 * classic `@Idempotent()` route (claim row committed first, response stored after: two extra
 * writes); with a new key on an atomic route (`@Idempotent({ atomic: true })`: the claim rides
 * with the handler's START TRANSACTION, the response with its COMMIT); and replaying one key
 * (classic: one read; atomic: the claim and a rollback). The ratios show what each mode costs
 * on a write that itself does one INSERT.
 *
 *   npm run bench -- idempotency [--seconds 5] [--concurrency 2]
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Module, type OnModuleInit, Post } from '@nestjs/common';
import { IsString, Length } from 'class-validator';
import { DataSource } from 'typeorm';
import { Idempotent } from '../../src/contexts/idempotency';
import { runInTransaction } from '../../src/platform/database/transaction-context';
import { sample, type Timing, timingOf, warmUp } from './sampling';
import { type ScenarioOptions, startApp } from './scenario';

const TABLE = 'bench_idempotency_items';

class CreateDto {
  @IsString()
  @Length(1, 100)
  name: string;
}

/** A typical create: validate the body, insert one row, return it. */
@Controller('bench-idempotency')
class BenchController implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    // As the database login: the app's queries run as a role that may not create tables.
    await this.dataSource.transaction(async (m) => {
      await m.query(`SELECT set_config('role', session_user, true)`);
      await m.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
      );
    });
  }

  @Post('items')
  @Idempotent()
  create(@Body() body: CreateDto): Promise<Item> {
    return this.insert(body.name);
  }

  @Post('atomic-items')
  @Idempotent({ atomic: true })
  createAtomically(@Body() body: CreateDto): Promise<Item> {
    return this.insert(body.name);
  }

  private async insert(name: string): Promise<Item> {
    const [row] = await runInTransaction(this.dataSource, (m) =>
      m.query<{ id: string; name: string; created_at: Date }[]>(
        `INSERT INTO ${TABLE} (name) VALUES ($1) RETURNING id, name, created_at`,
        [name],
      ),
    );
    return { ...row, created_at: row.created_at.toISOString() };
  }
}

interface Item {
  id: string;
  name: string;
  created_at: string;
}

@Module({ controllers: [BenchController] })
class BenchIdempotencyModule {}

/**
 * Runs the scenarios in alternating half-second slices rather than one after the other, so
 * that load from elsewhere on the machine affects every scenario alike and the ratios hold.
 */
async function interleaved(
  seconds: number,
  concurrency: number,
  scenarios: Record<string, () => Promise<void>>,
): Promise<Record<string, Timing>> {
  const SLICE_MS = 500;
  const latencies: Record<string, number[]> = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]));
  for (let slice = 0; slice < Math.max(1, Math.round((seconds * 1000) / SLICE_MS)); slice++) {
    for (const [name, op] of Object.entries(scenarios))
      latencies[name].push(...(await sample(SLICE_MS, concurrency, op)).latencies);
  }
  const measured = Math.max(1, Math.round((seconds * 1000) / SLICE_MS)) * (SLICE_MS / 1000);
  return Object.fromEntries(Object.entries(latencies).map(([name, l]) => [name, timingOf(l, measured)]));
}

export async function benchIdempotency(options: ScenarioOptions): Promise<void> {
  // This measures the idempotency layer, not the request-rate limiter (one client IP here).
  process.env.RATE_LIMIT_ENABLED ??= 'false';
  const { app, fastify } = await startApp([BenchIdempotencyModule]);
  const run = `bench-${randomUUID()}`;
  let n = 0;
  const post = async (key?: string, expectReplay = false, route = 'items'): Promise<void> => {
    const res = await fastify.inject({
      method: 'POST',
      url: `/api/v1/bench-idempotency/${route}`,
      payload: { name: key ? 'keyed' : 'plain' },
      headers: key ? { 'idempotency-key': key } : {},
    });
    if (res.statusCode !== 201) throw new Error(`POST failed: ${res.statusCode} ${res.body}`);
    if (expectReplay && res.headers['idempotent-replayed'] !== 'true') throw new Error('expected a replay');
  };
  try {
    const replayKey = `${run}-replay`;
    await post(replayKey);
    await post(replayKey, false, 'atomic-items');
    await warmUp(50, async (i) => {
      await post();
      await post(`${run}-warmup-${i}`);
      await post(`${run}-warmup-${i}`, false, 'atomic-items');
    });

    const { plain, keyed, atomic, replay, atomicReplay } = await interleaved(options.seconds, options.concurrency, {
      plain: () => post(),
      keyed: () => post(`${run}-${(n += 1)}`),
      atomic: () => post(`${run}-${(n += 1)}`, false, 'atomic-items'),
      replay: () => post(replayKey, true),
      atomicReplay: () => post(replayKey, true, 'atomic-items'),
    });

    const row = (name: string, r: Timing) =>
      `${name.padEnd(34)} ${r.perSecond.toFixed(1).padStart(8)}/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p95 ${r.p95.toFixed(2).padStart(6)} ms  (${r.ops} ops)`;
    console.log(`scenario idempotency: ${options.seconds}s each (interleaved 0.5 s slices), concurrency ${options.concurrency}`);
    console.log(row('POST without Idempotency-Key', plain));
    console.log(row('POST with a new key each time', keyed));
    console.log(row('atomic POST, new key each time', atomic));
    console.log(row('POST replaying one key', replay));
    console.log(row('atomic POST replaying one key', atomicReplay));
    console.log(
      `ratio new-key/no-key: classic ${(keyed.perSecond / plain.perSecond).toFixed(2)}, atomic ${(atomic.perSecond / plain.perSecond).toFixed(2)}`,
    );
    console.log(
      `ratio replay/no-key: classic ${(replay.perSecond / plain.perSecond).toFixed(2)}, atomic ${(atomicReplay.perSecond / plain.perSecond).toFixed(2)}`,
    );
  } finally {
    const dataSource = app.get(DataSource);
    await dataSource.query(`DELETE FROM idempotency_keys WHERE key LIKE $1`, [`${run}-%`]);
    await dataSource.transaction(async (m) => {
      await m.query(`SELECT set_config('role', session_user, true)`);
      await m.query(`DROP TABLE IF EXISTS ${TABLE}`);
    });
    await app.close();
  }
}
