/**
 * Makes sure a real PostgreSQL is there for the whole run: `DATABASE_URL` when set (CI, the
 * machine's server), else an embedded cluster started here in a throw-away directory.
 * Each e2e file then creates its own database on it (see `database.ts`).
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/platform/database/embedded-postgres';

declare global {
  var __BASTION_EMBEDDED_PG__: EmbeddedPostgresHandle | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const parent = mkdtempSync(join(tmpdir(), 'bastion-test-pg-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach the data directory.
  chmodSync(parent, 0o755);
  const dir = join(parent, 'data');
  const embedded = await startEmbeddedPostgres(dir);
  globalThis.__BASTION_EMBEDDED_PG__ = embedded;
  process.env.TEST_DATABASE_SERVER_URL = embedded.url;
}
