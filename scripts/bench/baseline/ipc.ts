/** How the baseline's parent and its target processes (targets.ts, app-target.ts, login-floor.ts) talk: messages over IPC. */
import type { AddressInfo } from 'node:net';
import type { Load, Sample } from './load';

/** Messages from the parent. */
export type ToTarget =
  | { type: 'stop' }
  | { type: 'verify'; ms: number; concurrency: number }
  | { type: 'fire'; load: Load; seconds: number }
  | { type: 'flood-start'; url: string; connections: number; body: string }
  | { type: 'flood-stop' }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; file: string };

/** Messages to the parent. */
export type FromTarget =
  | { type: 'ready'; port?: number; argon2?: { memoryKib: number; timeCost: number; parallelism: number } }
  | { type: 'failed'; message: string }
  | { type: 'verified'; latencies: number[]; elapsedMs: number; failures: number }
  | { type: 'fired'; sample?: Sample; error?: string }
  | { type: 'flood-stopped'; statuses: Record<string, number>; errors: number }
  | { type: 'profiled'; file: string };

export function send(message: FromTarget): void {
  process.send?.(message);
}

export function listening(server: { address(): AddressInfo | string | null }): number {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('not listening on a TCP port');
  return address.port;
}

/** Serves until the parent says stop; `close` runs then, and the process exits. */
export function untilStopped(close: () => Promise<void>): void {
  process.on('message', (message: ToTarget) => {
    if (message.type !== 'stop') return;
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  // The parent is gone (it crashed or was killed): do not linger.
  process.on('disconnect', () => process.exit(0));
}
