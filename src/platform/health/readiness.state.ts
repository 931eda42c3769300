import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { platformConfig, type PlatformConfig } from '../config';

/**
 * Shutdown, step one: readiness turns 503 (`onModuleDestroy`, the first hook Nest calls);
 * step two: keep serving for `SHUTDOWN_GRACE_MS` (`beforeApplicationShutdown`) so the load
 * balancer sees the failing probe and stops routing here; only then does the HTTP server
 * close. (Terminus' own grace period only runs when Nest is handed the signal name, which
 * our explicit `app.close()` does not do, so the wait lives here.)
 */
@Injectable()
export class ReadinessState implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private shuttingDown = false;

  constructor(@Inject(platformConfig.KEY) private readonly config: PlatformConfig) {}

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  onModuleDestroy(): void {
    this.shuttingDown = true;
    this.logger.log(`Readiness is now 503; draining for ${this.config.shutdownGraceMs} ms`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.config.shutdownGraceMs > 0) await sleep(this.config.shutdownGraceMs);
  }
}
