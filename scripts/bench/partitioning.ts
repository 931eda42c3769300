/**
 * Partitioning experiment for tenant-owned tables (docs/operations/capacity-planning.md,
 * "Partitioning tenant-owned tables"): a projects-shaped table, unpartitioned and hash-partitioned
 * by tenant_id, both under the multi-tenancy row-level security policy, measured with the queries
 * the app runs (item GET, newest-first first page, count) over many random tenants.
 *
 *   npx ts-node -T scripts/bench/partitioning.ts [--partitions 16] [--tenants 1000] [--rows 1000]
 *     [--iterations 2000] [--warmup 200] [--max-seconds 25] [--seed 1] [--keep]
 *
 * Against DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; needs a superuser, or
 * CREATEDB + CREATEROLE) it drops and creates the scratch database `bastion_partitioning_bench`, and
 * drops it again at the end unless `--keep`. The NOLOGIN role `bench_runtime` is created if missing
 * (and dropped at the end if this run created it, unless `--keep`).
 *
 * Every measured query runs as `bench_runtime` (SET ROLE: not the owner, not a superuser, so the
 * FORCEd policy applies) in a transaction that first runs `SELECT set_config('app.tenant_id', $1, true)`,
 * like the app. Each iteration picks a random tenant (seeded) and runs the query on both tables, the
 * order alternating, so that both see the same noise on a shared machine. The time is the measured
 * statement's round trip (parse, plan, execute), BEGIN/set_config/COMMIT excluded (identical for both).
 * Every result is checked (one row, twenty rows, the tenant's count), so RLS is known to be in force.
 * Each measurement stops after `--max-seconds` even if its iterations are not done; the report says so.
 * At the defaults a run takes about a minute on 2 cores (build about 20 s).
 *
 * Not an `npm run bench` scenario: those boot the app and take --seconds/--concurrency; this one talks to PostgreSQL only.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

const DATABASE = 'bastion_partitioning_bench';
const ROLE = 'bench_runtime';
const PLAIN = 'projects_plain';
const HASH = 'projects_hash';
const POLICY_EXPR = "tenant_id = current_setting('app.tenant_id', true)::uuid";

interface Options {
  serverUrl: string;
  partitions: number;
  tenants: number;
  rows: number;
  iterations: number;
  warmup: number;
  maxSeconds: number;
  seed: number;
  keep: boolean;
}

const USAGE =
  'usage: npx ts-node -T scripts/bench/partitioning.ts [--partitions 16] [--tenants 1000] [--rows 1000] ' +
  '[--iterations 2000] [--warmup 200] [--max-seconds 25] [--seed 1] [--keep]';

function parseOptions(argv: string[]): Options {
  const known = ['partitions', 'tenants', 'rows', 'iterations', 'warmup', 'max-seconds', 'seed'];
  const values = new Map<string, number>();
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') keep = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('--') && known.includes(arg.slice(2))) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 0) throw new Error(`${arg} must be a non-negative integer`);
      values.set(arg.slice(2), value);
    } else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  const get = (name: string, fallback: number, min = 1): number => {
    const value = values.get(name) ?? fallback;
    if (value < min) throw new Error(`--${name} must be at least ${min}`);
    return value;
  };
  const options: Options = {
    serverUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    partitions: get('partitions', 16, 2),
    tenants: get('tenants', 1000),
    rows: get('rows', 1000, 20),
    iterations: get('iterations', 2000),
    warmup: get('warmup', 200, 0),
    maxSeconds: get('max-seconds', 25),
    seed: get('seed', 1, 0),
    keep,
  };
  if (options.partitions > 1024) throw new Error('--partitions must be at most 1024');
  return options;
}

/** mulberry32: a small seeded PRNG, so that a re-run picks the same tenants and rows. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Set by Ctrl-C: the SIGINT handler then owns the cleanup and the exit; errors of the cut connections are expected. */
let interrupted = false;

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'bastion-partitioning-bench' });
  // An idle client whose backend goes away (the database dropped under it) emits 'error': never crash on it.
  client.on('error', (error) => {
    if (!interrupted) console.error(`connection error: ${error.message}`);
  });
  await client.connect();
  return client;
}

async function onServer<T>(serverUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = await connect(serverUrl);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (value: number): string => (value >= 10 ? value.toFixed(1) : value.toFixed(3));
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function timedStep(label: string, fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  const elapsed = performance.now() - t0;
  console.log(`  ${label}: ${seconds(elapsed)}`);
  return elapsed;
}

// ---------------------------------------------------------------------------------------------
// Schema and data
// ---------------------------------------------------------------------------------------------

const COLUMNS = `
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    name varchar(200) NOT NULL,
    description text NOT NULL DEFAULT '',
    status varchar(20) NOT NULL DEFAULT 'active',
    owner_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()`;

function rlsStatements(table: string): string[] {
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY tenant_isolation ON ${table} USING (${POLICY_EXPR}) WITH CHECK (${POLICY_EXPR})`,
    `GRANT SELECT ON ${table} TO ${ROLE}`,
  ];
}

async function build(owner: Client, o: Options): Promise<void> {
  await owner.query("SET maintenance_work_mem = '256MB'");
  await owner.query('CREATE TABLE bench_tenants (n integer PRIMARY KEY, id uuid NOT NULL DEFAULT gen_random_uuid())');
  await owner.query('INSERT INTO bench_tenants (n) SELECT generate_series(0, $1::int - 1)', [o.tenants]);

  // The unpartitioned table, as the app has it today plus tenant_id.
  await owner.query(`CREATE TABLE ${PLAIN} (${COLUMNS})`);
  // The twin: hash-partitioned by tenant_id; its partitions are created by the owner and granted nothing.
  await owner.query(`CREATE TABLE ${HASH} (${COLUMNS}) PARTITION BY HASH (tenant_id)`);
  for (let i = 0; i < o.partitions; i++) {
    await owner.query(
      `CREATE TABLE ${HASH}_p${i} PARTITION OF ${HASH} FOR VALUES WITH (MODULUS ${o.partitions}, REMAINDER ${i})`,
    );
  }

  // Rows arrive over time, tenants interleaved (row g belongs to tenant g mod T, created 30 s after row g-1),
  // so a tenant's rows are spread over the heap as they would be in production; exactly `rows` per tenant.
  // Loaded before the indexes exist (faster), the same rows in both tables.
  await timedStep(`load ${(o.tenants * o.rows).toLocaleString('en-US')} rows into ${PLAIN}`, () =>
    owner.query(
      `INSERT INTO ${PLAIN} (tenant_id, name, description, status, owner_id, created_at, updated_at)
       SELECT t.id,
              'Project ' || g,
              'Benchmark project ' || g || ' of its tenant, with a short description',
              CASE WHEN g % 10 = 0 THEN 'archived' ELSE 'active' END,
              md5(t.id::text || (g % 7))::uuid,
              timestamptz '2025-01-01 00:00:00+00' + g * interval '30 seconds',
              timestamptz '2025-01-01 00:00:00+00' + g * interval '30 seconds'
         FROM generate_series(0, $1::bigint - 1) AS g
         JOIN bench_tenants t ON t.n = g % $2::int`,
      [o.tenants * o.rows, o.tenants],
    ),
  );
  await timedStep(`copy them into ${HASH} (${o.partitions} partitions)`, () =>
    owner.query(`INSERT INTO ${HASH} SELECT * FROM ${PLAIN}`),
  );
  await timedStep(`${PLAIN}: primary key (id), list index (tenant_id, created_at DESC, id DESC)`, async () => {
    await owner.query(`ALTER TABLE ${PLAIN} ADD CONSTRAINT pk_${PLAIN} PRIMARY KEY (id)`);
    await owner.query(`CREATE INDEX ix_${PLAIN}_tenant_created ON ${PLAIN} (tenant_id, created_at DESC, id DESC)`);
  });
  await timedStep(`${HASH}: primary key (tenant_id, id), list index (tenant_id, created_at DESC, id DESC)`, async () => {
    // A unique constraint on a partitioned table must contain the partition key: PRIMARY KEY (id) is refused.
    await owner.query(`ALTER TABLE ${HASH} ADD CONSTRAINT pk_${HASH} PRIMARY KEY (tenant_id, id)`);
    await owner.query(`CREATE INDEX ix_${HASH}_tenant_created ON ${HASH} (tenant_id, created_at DESC, id DESC)`);
  });
  await timedStep('VACUUM (ANALYZE) both (visibility map for index-only counts, statistics)', async () => {
    await owner.query(`VACUUM (ANALYZE) ${PLAIN}`);
    await owner.query(`VACUUM (ANALYZE) ${HASH}`);
    await owner.query('ANALYZE bench_tenants');
  });
  for (const statement of [...rlsStatements(PLAIN), ...rlsStatements(HASH)]) await owner.query(statement);
  await owner.query(`GRANT SELECT ON bench_tenants TO ${ROLE}`);
}

/** The refusal the docs quote: a primary key without the partition key. */
async function uniqueWithoutPartitionKey(owner: Client): Promise<string> {
  await owner.query('BEGIN');
  try {
    await owner.query(`CREATE TABLE pk_probe (id uuid PRIMARY KEY, tenant_id uuid NOT NULL) PARTITION BY HASH (tenant_id)`);
    return 'accepted (unexpected)';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await owner.query('ROLLBACK');
  }
}

interface Sizes {
  table: string;
  heap: number;
  pk: number;
  listIndex: number;
  largestPartitionListIndex: number;
}

async function sizes(owner: Client): Promise<Sizes[]> {
  const result: Sizes[] = [];
  for (const table of [PLAIN, HASH]) {
    // The leaves: the plain table itself, or the partitions of the partitioned one; sizes summed over them.
    const row = (
      await owner.query<{ heap: string; pk: string; list: string; biggest: string }>(
        `WITH leaves AS (
                SELECT oid AS relid FROM pg_class WHERE oid = $1::regclass AND relkind = 'r'
                UNION ALL
                SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf),
              idx AS (
                SELECT i.indexrelid, c.relname AS index_name, pg_relation_size(i.indexrelid) AS size
                  FROM leaves l JOIN pg_index i ON i.indrelid = l.relid JOIN pg_class c ON c.oid = i.indexrelid)
         SELECT (SELECT sum(pg_relation_size(relid)) FROM leaves) AS heap,
                (SELECT coalesce(sum(size), 0) FROM idx WHERE index_name LIKE '%pkey%' OR index_name LIKE 'pk_%') AS pk,
                (SELECT coalesce(sum(size), 0) FROM idx WHERE index_name LIKE '%tenant%created%') AS list,
                (SELECT coalesce(max(size), 0) FROM idx WHERE index_name LIKE '%tenant%created%') AS biggest`,
        [table],
      )
    ).rows[0];
    result.push({
      table,
      heap: Number(row.heap),
      pk: Number(row.pk),
      listIndex: Number(row.list),
      largestPartitionListIndex: Number(row.biggest),
    });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Row-level security checks
// ---------------------------------------------------------------------------------------------

interface Pair {
  tenant: string;
  id: string;
}

async function inTenant<T>(c: Client, tenant: string, fn: () => Promise<T>): Promise<T> {
  await c.query('BEGIN');
  try {
    await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
    const value = await fn();
    await c.query('COMMIT');
    return value;
  } catch (error) {
    await c.query('ROLLBACK');
    throw error;
  }
}

async function count(c: Client, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await c.query<{ n: string }>(sql, params)).rows[0].n);
}

/** Proves the measuring session is subject to the policy, on both tables; returns the lines to print. */
async function checkRls(runtime: Client, owner: Client, o: Options, a: Pair, b: Pair): Promise<string[]> {
  const lines: string[] = [];
  const who = (
    await runtime.query<{ u: string; sup: boolean; bypass: boolean }>(
      'SELECT current_user AS u, rolsuper AS sup, rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user',
    )
  ).rows[0];
  if (who.u !== ROLE || who.sup || who.bypass) throw new Error(`measuring session is ${JSON.stringify(who)}`);
  lines.push(`session role ${who.u}: superuser ${who.sup}, bypassrls ${who.bypass}`);
  // First, while this session has never set app.tenant_id (it reads as NULL): no rows at all.
  const unsetCounts = new Map<string, number>();
  for (const table of [PLAIN, HASH]) unsetCounts.set(table, await count(runtime, `SELECT count(*) AS n FROM ${table}`));
  for (const table of [PLAIN, HASH]) {
    const unset = unsetCounts.get(table);
    const own = await inTenant(runtime, a.tenant, () => count(runtime, `SELECT count(*) AS n FROM ${table}`));
    const foreign = await inTenant(runtime, a.tenant, () =>
      count(runtime, `SELECT count(*) AS n FROM ${table} WHERE id = $1`, [b.id]),
    );
    const all = await count(owner, `SELECT count(*) AS n FROM ${table}`);
    if (unset !== 0 || own !== o.rows || foreign !== 0 || all !== o.tenants * o.rows) {
      throw new Error(`RLS check failed on ${table}: unset=${unset} own=${own} foreign=${foreign} all=${all}`);
    }
    lines.push(
      `${table}: no tenant set → ${unset} rows; tenant A → ${own} rows; tenant B's row by id under tenant A → ` +
        `${foreign}; superuser (bypasses RLS) → ${all}`,
    );
  }
  // A partition is a table of its own: the parent's ENABLE/FORCE and policy are not on it. The runtime role
  // cannot reach it because it is granted nothing on the partitions (privileges are checked on the parent).
  const partitionRls = (
    await owner.query<{ enabled: number; policies: number }>(
      `SELECT count(*) FILTER (WHERE c.relrowsecurity)::int AS enabled,
              (SELECT count(*)::int FROM pg_policy p JOIN pg_inherits i ON i.inhrelid = p.polrelid
                WHERE i.inhparent = $1::regclass) AS policies
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
      [HASH],
    )
  ).rows[0];
  lines.push(
    `partitions of ${HASH} with RLS enabled: ${partitionRls.enabled} of ${o.partitions}; policies on partitions: ` +
      `${partitionRls.policies} (the parent's policy applies to queries through the parent)`,
  );
  try {
    await runtime.query(`SELECT count(*) FROM ${HASH}_p0`);
    lines.push(`direct SELECT on ${HASH}_p0 as ${ROLE}: ALLOWED (unexpected: it would bypass the parent's policy)`);
  } catch (error) {
    lines.push(`direct SELECT on ${HASH}_p0 as ${ROLE}: refused (${(error as Error).message})`);
  }
  // After a transaction-local set_config the placeholder setting is '' (not NULL) for the rest of the session,
  // and ''::uuid raises: on a pooled connection, a query outside a tenant transaction fails instead of returning
  // no rows. Reported, not asserted.
  try {
    const n = await count(runtime, `SELECT count(*) AS n FROM ${PLAIN}`);
    lines.push(`query after a tenant transaction, outside one: ${n} rows`);
  } catch (error) {
    lines.push(`query after a tenant transaction, outside one: error (${(error as Error).message})`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------------

interface Query {
  key: string;
  label: string;
  sql: (table: string) => string;
  params: (pick: Pair) => unknown[];
  /** Checks the result; returns an error text or null. */
  check: (rows: Record<string, unknown>[], o: Options) => string | null;
  /** `owner`: runs as the superuser, RLS bypassed (a cross-tenant lookup). */
  as?: 'owner';
  /** At most this many iterations (and a tenth of them as warm-up), whatever --iterations says. */
  maxIterations?: number;
}

const oneRow = (rows: Record<string, unknown>[]): string | null => (rows.length === 1 ? null : `${rows.length} rows`);
const LIST_COLUMNS = 'id, tenant_id, name, status, owner_id, created_at, updated_at';

const QUERIES: Query[] = [
  {
    key: 'get-rls',
    label: 'item GET `WHERE id = $1` (tenant from RLS)',
    sql: (t) => `SELECT * FROM ${t} WHERE id = $1`,
    params: (p) => [p.id],
    check: oneRow,
  },
  {
    key: 'get-tenant',
    label: 'item GET `WHERE tenant_id = $1 AND id = $2`',
    sql: (t) => `SELECT * FROM ${t} WHERE tenant_id = $1 AND id = $2`,
    params: (p) => [p.tenant, p.id],
    check: oneRow,
  },
  {
    key: 'list-rls',
    label: 'list, first 20 newest-first (tenant from RLS)',
    sql: (t) => `SELECT ${LIST_COLUMNS} FROM ${t} ORDER BY created_at DESC, id DESC LIMIT 20`,
    params: () => [],
    check: (rows) => (rows.length === 20 ? null : `${rows.length} rows`),
  },
  {
    key: 'list-tenant',
    label: 'list, first 20 newest-first, `WHERE tenant_id = $1`',
    sql: (t) => `SELECT ${LIST_COLUMNS} FROM ${t} WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20`,
    params: (p) => [p.tenant],
    check: (rows) => (rows.length === 20 ? null : `${rows.length} rows`),
  },
  {
    key: 'count-rls',
    label: "`count(*)` of the tenant's rows (tenant from RLS)",
    sql: (t) => `SELECT count(*) AS n FROM ${t}`,
    params: () => [],
    check: (rows, o) => (Number(rows[0]?.n) === o.rows ? null : `count ${String(rows[0]?.n)}`),
  },
  {
    key: 'count-tenant',
    label: '`count(*)` `WHERE tenant_id = $1`',
    sql: (t) => `SELECT count(*) AS n FROM ${t} WHERE tenant_id = $1`,
    params: (p) => [p.tenant],
    check: (rows, o) => (Number(rows[0]?.n) === o.rows ? null : `count ${String(rows[0]?.n)}`),
  },
];

/**
 * A lookup by id alone, across tenants (an operator, a support console, a job holding only an id): it runs as the
 * superuser, RLS bypassed. The partitioned table's only unique index is (tenant_id, id), so the lookup first runs
 * without an index on id (every partition scanned: few iterations), then after `CREATE INDEX ON projects_hash (id)`.
 */
const CROSS_TENANT: Query = {
  key: 'get-any-tenant',
  label: 'GET by id, no tenant (superuser, RLS bypassed); hash: no index on id',
  sql: (t) => `SELECT * FROM ${t} WHERE id = $1`,
  params: (p) => [p.id],
  check: oneRow,
  as: 'owner',
  maxIterations: 40,
};
const CROSS_TENANT_INDEXED: Query = {
  ...CROSS_TENANT,
  key: 'get-any-tenant-id-index',
  label: 'GET by id, no tenant (superuser); hash: after `CREATE INDEX … (id)`',
  maxIterations: undefined,
};

interface Stats {
  n: number;
  median: number;
  p95: number;
  p99: number;
}

interface Result {
  query: Query;
  plain: Stats;
  hash: Stats;
  planned: number;
  elapsedMs: number;
}

/** Nearest-rank percentile of ascending `sorted`. */
function nearestRank(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function stats(latencies: number[]): Stats {
  const sorted = [...latencies].sort((x, y) => x - y);
  return {
    n: sorted.length,
    median: nearestRank(sorted, 0.5),
    p95: nearestRank(sorted, 0.95),
    p99: nearestRank(sorted, 0.99),
  };
}

async function runOnce(c: Client, q: Query, table: string, pick: Pair, o: Options): Promise<number> {
  await c.query('BEGIN');
  try {
    await c.query("SELECT set_config('app.tenant_id', $1, true)", [pick.tenant]);
    const t0 = performance.now();
    const result = await c.query<Record<string, unknown>>(q.sql(table), q.params(pick));
    const elapsed = performance.now() - t0;
    const problem = q.check(result.rows, o);
    if (problem) throw new Error(`${q.key} on ${table} for tenant ${pick.tenant}: ${problem}`);
    await c.query('COMMIT');
    return elapsed;
  } catch (error) {
    await c.query('ROLLBACK');
    throw error;
  }
}

async function measure(q: Query, clients: { runtime: Client; owner: Client }, picks: () => Pair, o: Options): Promise<Result> {
  const c = q.as === 'owner' ? clients.owner : clients.runtime;
  const planned = Math.min(o.iterations, q.maxIterations ?? o.iterations);
  const warmup = q.maxIterations === undefined ? o.warmup : Math.min(o.warmup, Math.ceil(q.maxIterations / 10));
  for (let i = 0; i < warmup; i++) {
    const pick = picks();
    await runOnce(c, q, PLAIN, pick, o);
    await runOnce(c, q, HASH, pick, o);
  }
  const plain: number[] = [];
  const hash: number[] = [];
  const start = performance.now();
  const deadline = start + o.maxSeconds * 1000;
  for (let i = 0; i < planned && performance.now() < deadline; i++) {
    const pick = picks();
    // Alternate which table goes first, so neither always follows the other's cache misses.
    if (i % 2 === 0) {
      plain.push(await runOnce(c, q, PLAIN, pick, o));
      hash.push(await runOnce(c, q, HASH, pick, o));
    } else {
      hash.push(await runOnce(c, q, HASH, pick, o));
      plain.push(await runOnce(c, q, PLAIN, pick, o));
    }
  }
  return { query: q, plain: stats(plain), hash: stats(hash), planned, elapsedMs: performance.now() - start };
}

// ---------------------------------------------------------------------------------------------
// EXPLAIN
// ---------------------------------------------------------------------------------------------

interface Explained {
  title: string;
  plan: string[];
  subplansRemoved: string[];
  partitionsInPlan: number;
  planning: string;
  execution: string;
}

async function explain(c: Client, title: string, sql: string, params: unknown[], pick: Pair): Promise<Explained> {
  const plan = await inTenant(c, pick.tenant, async () =>
    (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows.map((r) => r['QUERY PLAN']),
  );
  const partitions = new Set(plan.flatMap((line) => [...line.matchAll(/\bon (projects_hash_p\d+)\b/g)].map((m) => m[1])));
  const find = (prefix: string): string => plan.find((l) => l.trim().startsWith(prefix))?.trim() ?? '';
  return {
    title,
    plan,
    subplansRemoved: plan.filter((l) => l.includes('Subplans Removed')).map((l) => l.trim()),
    partitionsInPlan: partitions.size,
    planning: find('Planning Time'),
    execution: find('Execution Time'),
  };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function run(o: Options): Promise<void> {
  const started = performance.now();
  const rand = random(o.seed);
  console.log(`# Partitioning experiment: ${PLAIN} vs ${HASH} (HASH (tenant_id), ${o.partitions} partitions)`);
  console.log(
    `tenants ${o.tenants}, rows per tenant ${o.rows}, iterations ${o.iterations} (warm-up ${o.warmup}), ` +
      `at most ${o.maxSeconds} s per measurement, seed ${o.seed}`,
  );
  console.log(`client: ${cpus().length} CPU (${cpus()[0]?.model.trim() ?? '?'}), ${mb(totalmem())} RAM, load average ${load()}`);

  const createdRole = await onServer(o.serverUrl, async (c) => {
    const server = (
      await c.query<{ v: string; sb: string; jit: string; wm: string }>(
        `SELECT current_setting('server_version') AS v, current_setting('shared_buffers') AS sb,
                current_setting('jit') AS jit, current_setting('work_mem') AS wm`,
      )
    ).rows[0];
    console.log(`server: PostgreSQL ${server.v}, shared_buffers ${server.sb}, work_mem ${server.wm}, jit ${server.jit}`);
    await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${DATABASE}`);
    const exists = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ROLE])).rowCount === 1;
    if (!exists) await c.query(`CREATE ROLE ${ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS`);
    return !exists;
  });

  const url = databaseUrl(o.serverUrl, DATABASE);
  // Ctrl-C: drop the scratch database (and the role this run created) before leaving, unless --keep.
  const dropScratch = async (): Promise<void> => {
    await onServer(o.serverUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
      if (createdRole) await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
    });
  };
  process.once('SIGINT', () => {
    interrupted = true;
    console.error(o.keep ? '\ninterrupted (--keep: nothing dropped)' : `\ninterrupted: dropping ${DATABASE}`);
    void (o.keep ? Promise.resolve() : dropScratch())
      .catch((error: unknown) => console.error(`cleanup failed: ${(error as Error).message}`))
      .finally(() => process.exit(130));
  });
  const owner = await connect(url);
  const runtime = await connect(url);
  let failed = false;
  try {
    console.log('\n## Build');
    const buildMs = await timedStep('total', () => build(owner, o));
    console.log(`  PRIMARY KEY (id) on a table partitioned by tenant_id: ${await uniqueWithoutPartitionKey(owner)}`);
    const sized = await sizes(owner);
    for (const s of sized) {
      console.log(
        `  ${s.table}: heap ${mb(s.heap)}, primary key ${mb(s.pk)}, list index ${mb(s.listIndex)}` +
          (s.table === HASH ? ` (largest partition's ${mb(s.largestPartitionListIndex)})` : ''),
      );
    }

    const tenants = (await owner.query<{ id: string }>('SELECT id FROM bench_tenants ORDER BY n')).rows.map((r) => r.id);
    // Up to 20 known ids per tenant, drawn with the seeded PRNG (setseed makes the sample repeatable).
    await owner.query('SELECT setseed($1)', [(o.seed % 1000) / 1000]);
    const sample = (
      await owner.query<Pair>(
        `SELECT tenant_id AS tenant, id FROM (
           SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY random()) AS k FROM ${PLAIN}
         ) s WHERE k <= 20`,
      )
    ).rows;
    const byTenant = new Map<string, string[]>();
    for (const row of sample) byTenant.set(row.tenant, [...(byTenant.get(row.tenant) ?? []), row.id]);
    const pick = (): Pair => {
      const tenant = tenants[Math.floor(rand() * tenants.length)];
      const ids = byTenant.get(tenant) ?? [];
      return { tenant, id: ids[Math.floor(rand() * ids.length)] };
    };

    await runtime.query(`SET ROLE ${ROLE}`);
    console.log('\n## Row-level security checks (as the measuring session)');
    const a = pick();
    let b = pick();
    while (b.tenant === a.tenant) b = pick();
    for (const line of await checkRls(runtime, owner, o, a, b)) console.log(`  ${line}`);

    console.log('\n## Measurements (as the runtime role, inside a tenant transaction)');
    const results: Result[] = [];
    const measureAndLog = async (q: Query): Promise<void> => {
      const loadBefore = load();
      const r = await measure(q, { runtime, owner }, pick, o);
      results.push(r);
      const cut = r.plain.n < r.planned ? ` (time box: ${r.plain.n} of ${r.planned} iterations)` : '';
      console.log(
        `  ${q.key}: n=${r.plain.n}${cut} in ${seconds(r.elapsedMs)}; plain p50 ${ms(r.plain.median)} ms, ` +
          `hash p50 ${ms(r.hash.median)} ms; load ${loadBefore} → ${load()}`,
      );
    };
    for (const q of QUERIES) await measureAndLog(q);

    const e = pick();
    const explained: Explained[] = [];
    for (const table of [PLAIN, HASH]) {
      for (const q of QUERIES.filter((x) => ['get-rls', 'get-tenant', 'list-rls', 'list-tenant'].includes(x.key))) {
        explained.push(await explain(runtime, `${table}: ${q.label}`, q.sql(table), q.params(e), e));
      }
    }

    console.log(`\n## Cross-tenant lookup by id (superuser, RLS bypassed; at most ${CROSS_TENANT.maxIterations} iterations)`);
    await measureAndLog(CROSS_TENANT);
    explained.push(await explain(owner, `${HASH}: ${CROSS_TENANT.label}`, CROSS_TENANT.sql(HASH), [e.id], e));
    await timedStep(`CREATE INDEX ix_${HASH}_id ON ${HASH} (id)`, () =>
      owner.query(`CREATE INDEX ix_${HASH}_id ON ${HASH} (id)`),
    );
    await measureAndLog(CROSS_TENANT_INDEXED);
    explained.push(await explain(owner, `${HASH}: ${CROSS_TENANT_INDEXED.label}`, CROSS_TENANT_INDEXED.sql(HASH), [e.id], e));

    console.log('\n## EXPLAIN (ANALYZE, BUFFERS); the tenant queries as the runtime role inside a tenant transaction');
    for (const x of explained) {
      console.log(`\n### ${x.title}\n`);
      for (const line of x.plan) console.log(`    ${line}`);
    }
    console.log('\n### Pruning summary\n');
    console.log('| plan | partitions in the executed plan | Subplans Removed | planning | execution |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const x of explained) {
      const parts = x.title.startsWith(HASH) ? String(x.partitionsInPlan) : '(not partitioned)';
      const removed = x.subplansRemoved.length > 0 ? x.subplansRemoved.join('; ') : '—';
      console.log(
        `| ${x.title} | ${parts} | ${removed} | ${x.planning.replace('Planning Time: ', '')} | ` +
          `${x.execution.replace('Execution Time: ', '')} |`,
      );
    }

    console.log(`\n## Results (ms, statement round trip; ${PLAIN} vs ${HASH} with ${o.partitions} hash partitions)\n`);
    console.log(
      `${o.tenants.toLocaleString('en-US')} tenants × ${o.rows.toLocaleString('en-US')} rows; build ${seconds(buildMs)}; ` +
        `run ${seconds(performance.now() - started)}; load average at the end ${load()}\n`,
    );
    console.log('| query | n | plain p50 / p95 / p99 | hash p50 / p95 / p99 | ratio hash/plain p50 / p95 / p99 |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of results) {
      const triple = (s: Stats): string => `${ms(s.median)} / ${ms(s.p95)} / ${ms(s.p99)}`;
      const ratio = (x: number, y: number): string => (x / y).toFixed(2);
      console.log(
        `| ${r.query.label} | ${r.plain.n}${r.plain.n < r.planned ? ` of ${r.planned}` : ''} | ${triple(r.plain)} | ` +
          `${triple(r.hash)} | ${ratio(r.hash.median, r.plain.median)} / ${ratio(r.hash.p95, r.plain.p95)} / ` +
          `${ratio(r.hash.p99, r.plain.p99)} |`,
      );
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await runtime.end().catch(() => undefined);
    await owner.end().catch(() => undefined);
    if (interrupted) {
      // The SIGINT handler drops and exits.
    } else if (o.keep) {
      console.log(`\n--keep: database ${DATABASE} and role ${ROLE} left in place (${url})`);
    } else {
      await dropScratch().catch((error: unknown) => {
        console.error(`cleanup failed: ${(error as Error).message}`);
      });
      if (!failed) {
        console.log(
          `\ndropped database ${DATABASE}` +
            (createdRole ? ` and role ${ROLE}` : `; role ${ROLE} existed before this run and is left in place`),
        );
      }
    }
  }
}

if (require.main === module) {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  run(options).then(
    () => process.exit(0),
    (error: unknown) => {
      if (interrupted) return; // the SIGINT handler exits once it has cleaned up
      console.error(error);
      process.exit(1);
    },
  );
}
