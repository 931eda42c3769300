import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface RunningService {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Parsed JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  baseUrl?: string;
  exited: Promise<number | null>;
}

/**
 * Starts `src/main.ts` as its own process (ts-node, transpile only), exactly as an operator
 * would, with the given environment on top of a minimal one (no inherited DATABASE_URL).
 */
export function startService(env: Record<string, string>): RunningService {
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PORT: '0',
    LOG_LEVEL: 'info',
  };
  return spawnNode(['-r', 'ts-node/register/transpile-only', 'src/main.ts'], ROOT, { ...base, ...env, NODE_OPTIONS: '' });
}

/** Runs `node <args>` in `cwd` with exactly `env`, collecting its stdout and stderr as a RunningService. */
export function spawnNode(args: string[], cwd: string, env: Record<string, string>): RunningService {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    logLines: () =>
      out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
  };
}

/** Waits for the "listening on" line and returns the base URL. */
export async function waitForListening(service: RunningService, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(service.output());
    if (match) {
      service.baseUrl = match[1];
      return match[1];
    }
    if (service.child.exitCode !== null) throw new Error(`service exited early:\n${service.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`service did not start in ${timeoutMs} ms:\n${service.output()}`);
}

export async function stopService(service: RunningService, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (service.child.exitCode === null) service.child.kill(signal);
  return service.exited;
}
