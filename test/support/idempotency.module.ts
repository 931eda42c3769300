import {
  Body,
  Controller,
  HttpCode,
  Injectable,
  Module,
  NotFoundException,
  type OnModuleInit,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { IdentityModule, type AuthenticatedUser, OptionalJwtAuthGuard } from '../../src/contexts/identity';
import { Idempotent } from '../../src/contexts/idempotency';
import { runInTransaction } from '../../src/platform/database/transaction-context';
import { DomainError } from '../../src/platform/http/problem';

class CreateItemDto {
  @IsString()
  @Length(1, 50)
  name: string;

  @IsOptional()
  @IsString()
  note?: string;

  /** Makes the handler take this long, to overlap requests without a gate. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(5000)
  delay_ms?: number;
}

class PatchItemDto {
  @IsOptional()
  @IsString()
  @Length(1, 50)
  name?: string;

  @IsOptional()
  @IsString()
  note?: string;
}

interface ItemRow {
  id: string;
  name: string;
  note: string | null;
  owner_id: string | null;
  revision: number;
  created_at: Date;
}

export interface ItemView {
  id: string;
  name: string;
  note: string | null;
  owner_id: string | null;
  revision: number;
  created_at: string;
}

const view = (row: ItemRow): ItemView => ({ ...row, created_at: row.created_at.toISOString() });

/**
 * What the tests steer and observe: how often each handler ran, crashes on demand, and
 * gates that hold a request inside its handler until the test lets it go.
 */
@Injectable()
export class IdempotencyProbe implements OnModuleInit {
  readonly calls = { create: 0, update: 0, touch: 0 };
  /** The next this-many create calls fail with an unexpected error (500). */
  failuresLeft = 0;
  private readonly gates = new Map<string, { enter: () => void; released: Promise<void> }>();

  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    // Created as the database login: the app's queries run as a role that may not create tables.
    await this.dataSource.transaction(async (m) => {
      await m.query(`SELECT set_config('role', session_user, true)`);
      await m.query(`
      CREATE TABLE IF NOT EXISTS idempotency_probe_items (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        note text,
        owner_id uuid,
        revision int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    });
  }

  /** The next create of an item with this name waits inside the handler until `release()`. */
  hold(name: string): { entered: Promise<void>; release: () => void } {
    let enter!: () => void;
    let release!: () => void;
    const entered = new Promise<void>((resolve) => (enter = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.gates.set(name, { enter, released });
    return { entered, release };
  }

  /** What the tests steer inside a create: its gate, its delay, a crash on demand, the `taken` conflict. */
  async steer(body: { name: string; delay_ms?: number }): Promise<void> {
    await this.pass(body.name);
    if (body.delay_ms) await new Promise((resolve) => setTimeout(resolve, body.delay_ms));
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('simulated crash');
    }
    if (body.name === 'taken') throw new DomainError('name_taken', 409, 'An item with this name exists.');
  }

  async pass(name: string): Promise<void> {
    const gate = this.gates.get(name);
    if (!gate) return;
    this.gates.delete(name);
    gate.enter();
    await gate.released;
  }
}

type Request = FastifyRequest & { user?: AuthenticatedUser };

/** Harness-only routes marked `@Idempotent()`, authenticated when a bearer token is sent. */
@Controller('test-idempotency')
@UseGuards(OptionalJwtAuthGuard)
class IdempotencyTestController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly probe: IdempotencyProbe,
  ) {}

  @Post('items')
  @Idempotent()
  async create(
    @Body() body: CreateItemDto,
    @Req() request: Request,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ItemView> {
    this.probe.calls.create += 1;
    await this.probe.steer(body);
    if (body.name === 'busy') throw new DomainError('too_many_attempts', 429, 'Slow down.', { headers: { 'retry-after': '1' } });
    const [row] = await this.dataSource.query<ItemRow[]>(
      'INSERT INTO idempotency_probe_items (name, note, owner_id) VALUES ($1, $2, $3) RETURNING *',
      [body.name, body.note ?? null, request.user?.id ?? null],
    );
    void reply.header('location', `/api/v1/test-idempotency/items/${row.id}`);
    return view(row);
  }

  /**
   * The atomic mode: the item is written first, in the ambient transaction, and only then does
   * the handler fail on demand, so a test can see the write roll back with the outcome.
   */
  @Post('atomic-items')
  @Idempotent({ atomic: true })
  async createAtomically(
    @Body() body: CreateItemDto,
    @Req() request: Request,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ItemView> {
    this.probe.calls.create += 1;
    const row = await runInTransaction(this.dataSource, async (m) => {
      const [inserted] = await m.query<ItemRow[]>(
        'INSERT INTO idempotency_probe_items (name, note, owner_id) VALUES ($1, $2, $3) RETURNING *',
        [body.name, body.note ?? null, request.user?.id ?? null],
      );
      return inserted;
    });
    await this.probe.steer(body);
    void reply.header('location', `/api/v1/test-idempotency/atomic-items/${row.id}`);
    return view(row);
  }

  @Patch('items/:id')
  @Idempotent()
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: PatchItemDto): Promise<ItemView> {
    this.probe.calls.update += 1;
    const [rows] = await this.dataSource.query<[ItemRow[], number]>(
      `UPDATE idempotency_probe_items
          SET name = COALESCE($2, name), note = COALESCE($3, note), revision = revision + 1
        WHERE id = $1 RETURNING *`,
      [id, body.name ?? null, body.note ?? null],
    );
    if (rows.length === 0) throw new NotFoundException('No such item.');
    return view(rows[0]);
  }

  @Post('items/:id/touch')
  @HttpCode(204)
  @Idempotent()
  touch(@Param('id', ParseUUIDPipe) _id: string): void {
    this.probe.calls.touch += 1;
  }
}

@Module({ imports: [IdentityModule], controllers: [IdempotencyTestController], providers: [IdempotencyProbe] })
export class IdempotencyTestModule {}
