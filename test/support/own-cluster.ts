import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  type EmbeddedPostgresHandle,
  ensureDatabase,
  freePort,
  startEmbeddedPostgres,
} from '../../src/platform/database/embedded-postgres';
import type { TestDatabase } from './database';

/**
 * A PostgreSQL cluster of the test's own (embedded, in a temporary directory), for the tests
 * that stop and start the database under the app. Never the machine's server or the run's
 * shared one: stopping a database belongs only to whoever started it.
 */
export interface OwnCluster {
  /** A database on this cluster, in the shape the app harness takes. */
  database(name: string): Promise<TestDatabase>;
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it (if running) and deletes its files. */
  remove(): Promise<void>;
}

export async function startOwnCluster(): Promise<OwnCluster> {
  const parent = mkdtempSync(join(tmpdir(), 'bastion-own-pg-'));
  chmodSync(parent, 0o755); // as root, PostgreSQL runs as `postgres` and must reach it
  const dir = join(parent, 'data');
  const port = await freePort();
  let handle: EmbeddedPostgresHandle | undefined = await startEmbeddedPostgres(dir, { port });
  const serverUrl = handle.url;
  return {
    async database(name) {
      const url = await ensureDatabase(serverUrl, name);
      return {
        name,
        url,
        query: async <T>(sql: string, params?: unknown[]) => {
          const client = new Client({ connectionString: url });
          await client.connect();
          try {
            return (await client.query(sql, params)).rows as T[];
          } finally {
            await client.end();
          }
        },
        // The whole cluster goes with `remove`.
        drop: () => Promise.resolve(),
      };
    },
    async stop() {
      await handle?.stop();
      handle = undefined;
    },
    async start() {
      handle ??= await startEmbeddedPostgres(dir, { port });
    },
    async remove() {
      await handle?.stop();
      handle = undefined;
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
