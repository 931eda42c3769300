import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Coalesced, PgListener } from '../../platform/live';
import { StatusService, type StatusSummaryView } from './status.service';

type Listener = (summary: StatusSummaryView) => void;

/**
 * The status roll-up as a live feed: on the `status` notification (a committed change of
 * `status_events`, on any instance) the roll-up is read once per instance and, when it
 * changed, handed to every subscriber.
 */
@Injectable()
export class StatusFeed implements OnApplicationBootstrap {
  private readonly logger = new Logger('StatusFeed');
  private readonly listeners = new Set<Listener>();
  private latest: { summary: StatusSummaryView; json: string } | null = null;
  private readonly reading = new Coalesced(
    () => this.read(),
    (error) => this.logger.error({ err: error }, 'Reading the status roll-up failed'),
  );

  constructor(
    private readonly status: StatusService,
    private readonly listener: PgListener,
  ) {}

  onApplicationBootstrap(): void {
    this.listener.on('status', () => this.refresh());
  }

  /** The roll-up now, then every change, to `listener`. Returns the unsubscribe. */
  async subscribe(listener: Listener): Promise<() => void> {
    const current = this.latest?.summary ?? (await this.status.current());
    listener(current);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private refresh(): void {
    // Nobody listens here: forget the roll-up (the next subscriber reads it) instead of reading it.
    if (this.listeners.size === 0) {
      this.latest = null;
      return;
    }
    this.reading.kick();
  }

  private async read(): Promise<void> {
    const summary = await this.status.current();
    const json = JSON.stringify(summary);
    if (json === this.latest?.json) return;
    this.latest = { summary, json };
    for (const listener of this.listeners) listener(summary);
  }
}
