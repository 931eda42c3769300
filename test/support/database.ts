import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  name: string;
  url: string;
  /** Runs one statement as the server's superuser against this database. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_SERVER_URL;
  if (!url) throw new Error('TEST_DATABASE_SERVER_URL is not set: run the tests through jest (globalSetup)');
  return url;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin<T>(fn: (client: Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new Client({ connectionString: withDatabase(serverUrl(), database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database for one e2e file, so files run in parallel without sharing state.
 * Refuses any name without "test" in it: a test can never drop a real database.
 */
export async function createTestDatabase(label = 'e2e'): Promise<TestDatabase> {
  const name = `bastion_test_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(5).toString('hex')}`;
  assertTestName(name);
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = withDatabase(serverUrl(), name);
  return {
    name,
    url,
    query: <T>(sql: string, params?: unknown[]) => admin(async (client) => (await client.query(sql, params)).rows as T[], name),
    drop: () =>
      admin(async (client) => {
        assertTestName(name);
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}

/** The test databases on the server whose names start with `prefix` (e.g. a file's `bastion_test_secrets_`). */
export async function testDatabasesNamed(prefix: string): Promise<string[]> {
  assertTestName(prefix);
  const rows = await admin((client) =>
    client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname', [
      prefix,
    ]),
  );
  return rows.rows.map((r) => r.datname);
}

export function assertTestName(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name) || !name.includes('test')) {
    throw new Error(`refusing to touch database "${name}": test databases must have "test" in their name`);
  }
}

/** Blocks new connections to the database and ends the open ones (simulates an outage). */
export async function cutOff(db: TestDatabase): Promise<void> {
  await admin(async (client) => {
    await client.query(`ALTER DATABASE "${db.name}" WITH ALLOW_CONNECTIONS false`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      db.name,
    ]);
  });
}

export async function restore(db: TestDatabase): Promise<void> {
  await admin((client) => client.query(`ALTER DATABASE "${db.name}" WITH ALLOW_CONNECTIONS true`));
}
