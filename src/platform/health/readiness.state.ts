import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

/**
 * Readiness flips to "shutting down" as the very first shutdown step, so load balancers
 * stop routing here while in-flight requests still finish.
 */
@Injectable()
export class ReadinessState implements OnModuleDestroy {
  private readonly logger = new Logger('Shutdown');
  private shuttingDown = false;

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  onModuleDestroy(): void {
    this.shuttingDown = true;
    this.logger.log('Readiness is now 503; draining');
  }
}
