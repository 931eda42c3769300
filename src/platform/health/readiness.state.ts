import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { platformConfig, type PlatformConfig } from '../config';

/** The end of the grace period during which keep-alive is honoured again (at most 500 ms, a third of the grace). */
export function settleMs(graceMs: number): number {
  return Math.min(500, Math.floor(graceMs / 3));
}

/**
 * The shutdown drain, in three phases (docs/operations.md):
 * 1. Readiness turns 503 (`onModuleDestroy`, the first hook Nest calls) and for most of
 *    `SHUTDOWN_GRACE_MS` every request is served as usual but answered with
 *    `Connection: close`, so load balancers and keep-alive clients stop reusing connections
 *    to this instance and take the next request elsewhere.
 * 2. For the last part of the grace period (`settleMs`) keep-alive is honoured again, so that
 *    when the listener closes no client is half-way through opening a new connection (a
 *    connection still in the kernel's accept queue when the listening socket closes is reset).
 * 3. Then Nest closes the HTTP server (`closeListenerAndDrain`): no new connections, requests
 *    on open ones are served with `Connection: close`, in-flight ones finish; only after that
 *    do the hooks that close the database pool and Redis run.
 * (Terminus' own grace period only runs when Nest is handed the signal name, which our
 * explicit `app.close()` does not do, so the wait lives here.)
 */
@Injectable()
export class ReadinessState implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private shuttingDown = false;
  private closeConnectionsUntil = 0;

  constructor(@Inject(platformConfig.KEY) private readonly config: PlatformConfig) {}

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** True in phase 1 of the drain: responses carry `Connection: close`. */
  get closeConnections(): boolean {
    return this.shuttingDown && Date.now() < this.closeConnectionsUntil;
  }

  onModuleDestroy(): void {
    this.shuttingDown = true;
    const grace = this.config.shutdownGraceMs;
    this.closeConnectionsUntil = Date.now() + grace - settleMs(grace);
    this.logger.log(`Readiness is now 503; draining for ${grace} ms`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.config.shutdownGraceMs > 0) await sleep(this.config.shutdownGraceMs);
  }
}
