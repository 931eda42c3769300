import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { assertTestName, type TestDatabase } from './database';
import { ROOT, spawnNode, stopService, waitForListening, type RunningService } from './process';

const run = promisify(execFile);

/**
 * Production-like settings every instance of one cluster shares: the same signing and
 * sealing keys (a token issued by one instance is valid on all), production mode (no
 * migrations on start, secrets required), and a trusted proxy in front, so each request
 * names its client in `X-Forwarded-For` the way nginx does in deploy/topology.
 */
export function clusterEnvironment(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    APP_ENV: 'production',
    DATABASE_URL: databaseUrl,
    DB_POOL_SIZE: '4',
    JWT_SECRET: randomBytes(64).toString('base64'),
    MFA_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    METRICS_TOKEN: randomBytes(24).toString('hex'),
    TRUST_PROXY: 'true',
    HOST: '127.0.0.1',
    PORT: '0',
    SHUTDOWN_GRACE_MS: '0',
    // The suites register and log in at once; verification has its own e2e (account-recovery).
    REQUIRE_EMAIL_VERIFICATION: 'false',
    ...extra,
  };
}

/**
 * Records every module a process resolves (require and import alike, through Node's
 * synchronous module hooks) and writes the list when the process exits, so a test can tell
 * which packages a production process really loads.
 */
const MODULE_RECORDER = `
const { registerHooks } = require('node:module');
const { writeFileSync } = require('node:fs');
const seen = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    if (result && result.url) seen.add(result.url);
    return result;
  },
});
process.on('exit', () => writeFileSync(require('node:path').join(process.env.BASTION_MODULE_LOG_DIR, process.pid + '.json'), JSON.stringify([...seen])));
`;

/** The app compiled as the image compiles it (tsconfig.build.json), runnable without ts-node. */
export interface CompiledBuild {
  dir: string;
  /** Runs the compiled migration entry point (`migrate.js`), as the image's release step does. */
  migrate(databaseUrl: string, command?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts the compiled server (`node dist/src/main.js`). */
  start(env: Record<string, string>): RunningService;
  /** Packages (by name) that the processes started so far resolved. */
  loadedPackages(): Set<string>;
  remove(): void;
}

/**
 * Compiles src/ and migrations/ with the build's tsconfig into a temporary directory (types
 * are the typecheck's business, so `--noCheck`), next to the project's node_modules and
 * package.json, the layout of the image's /app.
 */
export async function compileBuild(): Promise<CompiledBuild> {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-build-'));
  const moduleLog = join(dir, 'module-log');
  mkdirSync(moduleLog);
  await run(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist'), '--noCheck'],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: Error & { stdout?: string }) => {
    // With --noCheck only a syntax error fails the compile; then nothing usable was emitted.
    throw new Error(`tsc failed: ${error.stdout || error.message}`);
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  writeFileSync(join(dir, 'module-recorder.cjs'), MODULE_RECORDER);
  const baseEnv = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_OPTIONS: '',
    BASTION_MODULE_LOG_DIR: moduleLog,
  });
  const nodeArgs = ['--require', join(dir, 'module-recorder.cjs')];
  return {
    dir,
    migrate: async (databaseUrl, command = 'run') => {
      try {
        const { stdout, stderr } = await run(
          process.execPath,
          [...nodeArgs, 'dist/src/platform/database/migrate.js', ...(command ? [command] : [])],
          { cwd: dir, env: { ...baseEnv(), DATABASE_URL: databaseUrl, APP_ENV: 'production' } },
        );
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
      }
    },
    start: (env) => spawnNode([...nodeArgs, 'dist/src/main.js'], dir, { ...baseEnv(), PORT: '0', LOG_LEVEL: 'info', ...env }),
    loadedPackages: () => {
      const names = new Set<string>();
      for (const file of readdirSync(moduleLog)) {
        for (const url of JSON.parse(readFileSync(join(moduleLog, file), 'utf8')) as string[]) {
          if (!url.startsWith('file:')) continue;
          const path = fileURLToPath(url);
          if (!path.includes('/node_modules/')) continue;
          const parts = path.split('/node_modules/').pop()!.split('/');
          names.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
        }
      }
      return names;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Packages `npm ci --omit=dev` leaves out: the lockfile marks them `dev`. */
export function devOnlyPackages(): Set<string> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const names = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    // Only hoisted (top-level) entries: the ones a process resolves by bare name from the app.
    const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path);
    if (match && entry.dev) names.add(match[1]);
  }
  return names;
}

export interface Instance {
  name: string;
  service: RunningService;
  url: string;
}

/** Starts `count` instances of the compiled server in parallel and waits until each listens. */
export async function startInstances(build: CompiledBuild, count: number, env: Record<string, string>): Promise<Instance[]> {
  const services = Array.from({ length: count }, () => build.start(env));
  try {
    const urls = await Promise.all(services.map((s) => waitForListening(s, 180_000)));
    return services.map((service, i) => ({ name: String.fromCharCode(65 + i), service, url: urls[i] }));
  } catch (error) {
    await Promise.all(services.map((s) => stopService(s, 'SIGKILL')));
    throw error;
  }
}

export async function stopInstances(instances: Instance[]): Promise<void> {
  await Promise.all(instances.map((i) => stopService(i.service)));
}

/** Polls `check` until it returns a value, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface DatabaseRoles {
  owner: { name: string; password: string; url: string };
  app: { name: string; password: string; url: string };
  retention: { name: string; password: string; url: string };
  /** Drops the roles (after the database that references them is gone). */
  drop(): Promise<void>;
}

function roleUrl(databaseUrl: string, name: string, password: string): string {
  const url = new URL(databaseUrl);
  url.username = name;
  url.password = password;
  return url.toString();
}

/** The same server and credentials, on the `postgres` maintenance database. */
function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

async function asSuperuser<T>(databaseUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Applies deploy/postgres/least-privilege.sql to a test database with roles named for this
 * run (roles are cluster-wide: "test" in every name, dropped afterwards), and gives them
 * random passwords. Run it before the migrations and again after them, as the release does.
 */
export async function leastPrivilegeRoles(db: TestDatabase): Promise<DatabaseRoles> {
  const suffix = randomBytes(4).toString('hex');
  const make = (kind: string) => {
    const name = `bastion_test_${kind}_${suffix}`;
    assertTestName(name);
    const password = randomBytes(18).toString('hex');
    return { name, password, url: roleUrl(db.url, name, password) };
  };
  const roles = { owner: make('owner'), app: make('app'), retention: make('retention') };
  await applyLeastPrivilege(db, roles);
  await asSuperuser(db.url, async (client) => {
    for (const role of Object.values(roles)) {
      await client.query(`ALTER ROLE "${role.name}" PASSWORD ${client.escapeLiteral(role.password)}`);
    }
  });
  return {
    ...roles,
    drop: () =>
      asSuperuser(maintenanceUrl(db.url), async (client) => {
        for (const role of Object.values(roles)) {
          assertTestName(role.name);
          await client.query(`DROP ROLE IF EXISTS "${role.name}"`);
        }
      }),
  };
}

export async function applyLeastPrivilege(
  db: TestDatabase,
  roles: { owner: { name: string }; app: { name: string }; retention: { name: string } },
): Promise<void> {
  const sql = readFileSync(join(ROOT, 'deploy', 'postgres', 'least-privilege.sql'), 'utf8');
  await asSuperuser(db.url, async (client) => {
    await client.query(
      `SELECT set_config('bastion.owner_role', $1, false), set_config('bastion.app_role', $2, false),
      set_config('bastion.audit_retention_role', $3, false)`,
      [roles.owner.name, roles.app.name, roles.retention.name],
    );
    await client.query(sql);
  });
}
