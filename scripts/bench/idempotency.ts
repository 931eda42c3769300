/**
 * Benchmark `idempotency`: requests/s of one `@Idempotent()` POST through the real app
 * (Fastify inject, real PostgreSQL), without a key, with a new key every time (claim row
 * inserted, response stored), and replaying one key, so the ratios show what the
 * idempotency layer costs on a write that itself does one INSERT. A new key adds two
 * writes (the claim and the stored response); a replay is one read and skips the handler.
 *
 *   npm run bench -- idempotency [--seconds 5] [--concurrency 2]
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Module, type OnModuleInit, Post } from '@nestjs/common';
import { IsString, Length } from 'class-validator';
import { DataSource } from 'typeorm';
import { Idempotent } from '../../src/contexts/idempotency';
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
    await this.dataSource.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    );
  }

  @Post('items')
  @Idempotent()
  async create(@Body() body: CreateDto): Promise<{ id: string; name: string; created_at: string }> {
    const [row] = await this.dataSource.query<{ id: string; name: string; created_at: Date }[]>(
      `INSERT INTO ${TABLE} (name) VALUES ($1) RETURNING id, name, created_at`,
      [body.name],
    );
    return { ...row, created_at: row.created_at.toISOString() };
  }
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
  const post = async (key?: string, expectReplay = false): Promise<void> => {
    const res = await fastify.inject({
      method: 'POST',
      url: '/api/v1/bench-idempotency/items',
      payload: { name: key ? 'keyed' : 'plain' },
      headers: key ? { 'idempotency-key': key } : {},
    });
    if (res.statusCode !== 201) throw new Error(`POST failed: ${res.statusCode} ${res.body}`);
    if (expectReplay && res.headers['idempotent-replayed'] !== 'true') throw new Error('expected a replay');
  };
  try {
    const replayKey = `${run}-replay`;
    await post(replayKey);
    await warmUp(50, async (i) => {
      await post();
      await post(`${run}-warmup-${i}`);
    });

    const { plain, keyed, replay } = await interleaved(options.seconds, options.concurrency, {
      plain: () => post(),
      keyed: () => post(`${run}-${(n += 1)}`),
      replay: () => post(replayKey, true),
    });

    const row = (name: string, r: Timing) =>
      `${name.padEnd(34)} ${r.perSecond.toFixed(1).padStart(8)}/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p95 ${r.p95.toFixed(2).padStart(6)} ms  (${r.ops} ops)`;
    console.log(`scenario idempotency: ${options.seconds}s each (interleaved 0.5 s slices), concurrency ${options.concurrency}`);
    console.log(row('POST without Idempotency-Key', plain));
    console.log(row('POST with a new key each time', keyed));
    console.log(row('POST replaying one key', replay));
    console.log(`ratio new-key/no-key: ${(keyed.perSecond / plain.perSecond).toFixed(2)}`);
    console.log(`ratio replay/no-key: ${(replay.perSecond / plain.perSecond).toFixed(2)}`);
  } finally {
    const dataSource = app.get(DataSource);
    await dataSource.query(`DELETE FROM idempotency_keys WHERE key LIKE $1`, [`${run}-%`]);
    await dataSource.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await app.close();
  }
}
