import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import type { Rate } from '../../../platform/config';
import { preparedQuery } from '../../../platform/database/prepared';
import { type Consumed, consume } from './rate-limiters';

/** A login attempt's two counters: per (client IP, email) and per client IP. */
export interface CounterKeys {
  identity: string;
  ip: string;
}

/** The failed-login throttle's counters, wherever they live. */
export interface LoginCounters {
  /** Takes a point from both counters at once (a counter past its limit refuses). */
  consume(keys: CounterKeys): Promise<{ identity: Consumed; ip: Consumed }>;
  /**
   * Ends an attempt that was let through: the IP's point is given back; the identity's is
   * given back too, or, with `clear` (a success), its window is over and the next attempt
   * opens a new one.
   */
  giveBack(keys: CounterKeys, clear: boolean): Promise<void>;
}

/** Counters on rate-limiter-flexible (Redis, with its in-memory insurance): two commands per step. */
export class LimiterCounters implements LoginCounters {
  constructor(
    private readonly identity: RateLimiterAbstract,
    private readonly ip: RateLimiterAbstract,
  ) {}

  async consume(keys: CounterKeys): Promise<{ identity: Consumed; ip: Consumed }> {
    const [identity, ip] = await Promise.all([consume(this.identity, keys.identity), consume(this.ip, keys.ip)]);
    return { identity, ip };
  }

  async giveBack(keys: CounterKeys, clear: boolean): Promise<void> {
    await Promise.all([
      clear ? this.identity.delete(keys.identity) : this.identity.reward(keys.identity, 1),
      this.ip.reward(keys.ip, 1),
    ]);
  }
}

/*
 * Both statements touch the two rows in the order of their keys (`ORDER BY key`, the primary
 * key's own order), so two attempts sharing a row take their row locks in the same order and
 * cannot deadlock. A row's window is `expire` (epoch ms): a point taken after it opens a new one.
 */
const CONSUME_SQL = `INSERT INTO "login_throttle" AS t ("key", "points", "expire")
  SELECT k."key", 1, k."expire" FROM unnest($1::varchar[], $2::bigint[]) AS k("key", "expire") ORDER BY k."key"
  ON CONFLICT ("key") DO UPDATE SET
    "points" = CASE WHEN t."expire" <= $3::bigint THEN 1 ELSE t."points" + 1 END,
    "expire" = CASE WHEN t."expire" <= $3::bigint THEN excluded."expire" ELSE t."expire" END
  RETURNING t."key", t."points", t."expire"`;

/** A cleared window ends now (as if the row were gone: the next point opens a new window); a point given back never goes below 0. */
const GIVE_BACK_SQL = `INSERT INTO "login_throttle" AS t ("key", "points", "expire")
  SELECT k, 0, $3::bigint FROM unnest($1::varchar[]) AS k ORDER BY k
  ON CONFLICT ("key") DO UPDATE SET
    "points" = CASE WHEN t."key" = $2::varchar THEN 0 ELSE greatest(t."points" - 1, 0) END,
    "expire" = CASE WHEN t."key" = $2::varchar THEN $3::bigint ELSE t."expire" END`;

/**
 * Counters in PostgreSQL (`login_throttle`, the table and key format rate-limiter-flexible's
 * `RateLimiterPostgres` used): one statement takes both points and one gives them back, where
 * the library sends one per counter and deletes the identity's row on every success (to be
 * inserted again by the next login). Every login sends both: prepared.
 */
export class PostgresCounters implements LoginCounters {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rates: { identity: Rate; ip: Rate },
    private readonly prefixes: { identity: string; ip: string },
  ) {}

  async consume(keys: CounterKeys): Promise<{ identity: Consumed; ip: Consumed }> {
    const now = Date.now();
    const [identityKey, ipKey] = this.rowKeys(keys);
    const rows = await preparedQuery<{ key: string; points: number; expire: string | null }>(
      this.dataSource.manager,
      'login_throttle_consume',
      CONSUME_SQL,
      [[identityKey, ipKey], [now + this.rates.identity.windowSeconds * 1000, now + this.rates.ip.windowSeconds * 1000], now],
    );
    const consumed = (key: string, rate: Rate): Consumed => {
      const row = rows.find((r) => r.key === key);
      if (!row) throw new Error(`login_throttle returned no row for ${key}`);
      const res = new RateLimiterRes(
        Math.max(rate.limit - row.points, 0),
        row.expire === null ? -1 : Math.max(Number(row.expire) - Date.now(), 0),
        row.points,
        row.points === 1,
      );
      return { refused: row.points > rate.limit, res };
    };
    return { identity: consumed(identityKey, this.rates.identity), ip: consumed(ipKey, this.rates.ip) };
  }

  async giveBack(keys: CounterKeys, clear: boolean): Promise<void> {
    const rowKeys = this.rowKeys(keys);
    await preparedQuery(this.dataSource.manager, 'login_throttle_give_back', GIVE_BACK_SQL, [
      rowKeys,
      clear ? rowKeys[0] : null,
      Date.now(),
    ]);
  }

  /** The rows' keys, the identity's first, as rate-limiter-flexible wrote them (`<prefix>:<key>`, its `getKey`). */
  private rowKeys(keys: CounterKeys): [identity: string, ip: string] {
    return [`${this.prefixes.identity}:${keys.identity}`, `${this.prefixes.ip}:${keys.ip}`];
  }
}
