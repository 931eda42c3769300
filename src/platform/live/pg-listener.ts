import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/** The one channel every feed's trigger notifies on; the payload names the topic (`audit`, `status`). */
export const FEED_CHANNEL = 'bastion_feed';

type Listener = () => void;

/**
 * The fan-out across instances: one dedicated PostgreSQL connection per instance LISTENs on
 * `bastion_feed`, which triggers notify when rows of a fed table commit (migration
 * `*-LiveFeeds`). NOTIFY is transactional — delivered on commit, never after a rollback — and
 * carries only the topic: listeners read the new rows themselves, so payloads stay far under
 * PostgreSQL's 8,000-byte limit and a missed notification costs nothing but latency. After a
 * lost connection it reconnects (backoff up to 5 s) and wakes every listener, who catch up.
 */
@Injectable()
export class PgListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LiveFeeds');
  private readonly listeners = new Map<string, Set<Listener>>();
  private client: Client | undefined;
  private stopped = false;
  private retryMs = 100;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly dataSource: DataSource) {}

  /** Calls `listener` whenever `topic` was notified (and after a reconnect). Returns the unsubscribe. */
  on(topic: string, listener: Listener): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const { url } = this.dataSource.options as { url?: string };
    const client = new Client({ connectionString: url, application_name: 'bastion-listen' });
    client.on('notification', (message) => {
      if (message.channel === FEED_CHANNEL && message.payload) this.wake(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${FEED_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = 100;
    // Whatever committed while nobody listened is read now.
    for (const topic of this.listeners.keys()) this.wake(topic);
  }

  private lost(client: Client, error?: unknown): void {
    if (this.client === client) this.client = undefined;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    if (this.stopped || this.retryTimer) return;
    this.logger.warn({ err: error }, `Feed listener connection lost: reconnecting in ${this.retryMs} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  private wake(topic: string): void {
    for (const listener of this.listeners.get(topic) ?? []) {
      try {
        listener();
      } catch (error) {
        this.logger.error({ err: error, topic }, 'A feed listener failed');
      }
    }
  }
}
