/**
 * A throw-away database on a PostgreSQL server, so that no benchmark row ever lands in a real
 * database: created under a `bench` name, dropped (connections and all) at the end.
 */
import { Client } from 'pg';

export interface ThrowawayDatabase {
  /** The connection URL of the new database (the server's URL with its name as the path). */
  url: string;
  /** The server's `server_version`. */
  serverVersion: string;
  drop(): Promise<void>;
}

function assertBenchName(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name) || !name.includes('bench')) throw new Error(`refusing to touch database "${name}"`);
}

async function onServer<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates database `name` (lower case, containing `bench`) on the server at `serverUrl`. */
export async function createThrowawayDatabase(serverUrl: string, name: string): Promise<ThrowawayDatabase> {
  assertBenchName(name);
  const serverVersion = await onServer(serverUrl, async (c) => {
    await c.query(`CREATE DATABASE "${name}"`);
    return (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    serverVersion,
    drop: async () => {
      assertBenchName(name);
      await onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
