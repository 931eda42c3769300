import { spawn } from 'node:child_process';
import { ROOT } from './process';

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/audit-verify.ts` as its own process (as `npm run audit:verify` does) against `databaseUrl`. */
export function runAuditVerify(databaseUrl: string, args: string[] = []): Promise<ScriptRun> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/audit-verify.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: databaseUrl, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A URL for the same server and database as `url`, as another role. */
export function asRole(url: string, role: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = password;
  return parsed.toString();
}

/**
 * Waits until `audit_outbox` is empty (every committed audited fact is on the chain), polling
 * the database; fails after `timeoutMs`. For a process whose drain the test cannot await.
 */
export async function waitForOutboxDrained(query: <T>(sql: string) => Promise<T[]>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }] = await query<{ n: string }>(`SELECT count(*) AS n FROM audit_outbox`);
    if (Number(n) === 0) return;
    if (Date.now() > deadline) throw new Error(`audit_outbox still holds ${n} rows after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
