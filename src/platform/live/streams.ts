import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter, Gauge } from 'prom-client';
import { DomainError } from '../http/problem';
import { Metrics } from '../observability/metrics';
import { tooManyRequests } from '../rate-limit/headers';
import { liveConfig, type LiveConfig } from './live.config';
import { sseFrame, StreamLimits, type StreamOwner, type StreamRefusal } from './stream-limits';

/** Why a stream ended (the `reason` of `stream_drops_total`, and what `onClose` hears). */
export type StreamEnd = 'client' | 'slow_consumer' | 'lifetime' | 'shutdown' | 'revoked' | 'expired' | 'error';

/** A stream's slot under the caps: released exactly once. */
export interface StreamTicket {
  release(end: StreamEnd): void;
}

/**
 * Open live streams on this instance (SSE and WebSocket alike): the caps (STREAM_MAX_PER_CLIENT,
 * STREAM_MAX_PER_IP, STREAM_MAX_TOTAL; the next stream is 429 `too_many_streams`), the metrics,
 * and the drain: when the app starts shutting down every stream ends (clients reconnect to
 * another instance) and new ones are refused with 503.
 */
@Injectable()
export class Streams implements OnModuleDestroy {
  private readonly limits: StreamLimits;
  private readonly open = new Set<{ end(reason: StreamEnd): void }>();
  readonly openGauge: Gauge<'feed'>;
  readonly sent: Counter<'feed'>;
  readonly drops: Counter<'feed' | 'reason'>;
  readonly refused: Counter<'feed' | 'reason'>;

  constructor(
    metrics: Metrics,
    @Inject(liveConfig.KEY) readonly config: LiveConfig,
  ) {
    this.limits = new StreamLimits(config);
    this.openGauge = metrics.gauge({
      name: 'streams_open',
      help: 'Open live streams (SSE, WebSocket) by feed.',
      labelNames: ['feed'],
    });
    this.sent = metrics.counter({
      name: 'stream_events_sent_total',
      help: 'Events sent on live streams, by feed.',
      labelNames: ['feed'],
    });
    this.drops = metrics.counter({
      name: 'stream_drops_total',
      help: 'Live streams ended by the server, by feed and reason (slow_consumer, lifetime, shutdown, revoked, expired).',
      labelNames: ['feed', 'reason'],
    });
    this.refused = metrics.counter({
      name: 'stream_refused_total',
      help: 'Live streams refused at opening, by feed and reason (per_user, per_ip, total, draining).',
      labelNames: ['feed', 'reason'],
    });
  }

  /** Counts a new stream in, or throws the 429/503 that refuses it. */
  admit(feed: string, owner: StreamOwner): StreamTicket {
    const refusal = this.limits.admit(owner);
    if (refusal) {
      this.refused.inc({ feed, reason: refusal });
      throw refusalError(refusal);
    }
    this.openGauge.inc({ feed });
    let released = false;
    return {
      release: (end) => {
        if (released) return;
        released = true;
        this.limits.release(owner);
        this.openGauge.dec({ feed });
        if (end !== 'client') this.drops.inc({ feed, reason: end });
      },
    };
  }

  /** Keeps `stream` to be ended at shutdown; returns the forget. */
  track(stream: { end(reason: StreamEnd): void }): () => void {
    this.open.add(stream);
    return () => this.open.delete(stream);
  }

  /**
   * Opens a Server-Sent Events stream on this request (auth already checked): the reply is
   * taken over from Fastify, headers set so far (security, CORS, request id) are kept.
   * @throws 429 too_many_streams, 503 shutting_down
   */
  openSse(request: FastifyRequest, reply: FastifyReply, feed: string, userId: string | null): SseStream {
    const ticket = this.admit(feed, { userId, ip: request.ip });
    return new SseStream(reply, feed, ticket, this);
  }

  onModuleDestroy(): void {
    this.limits.drain();
    for (const stream of [...this.open]) stream.end('shutdown');
  }
}

function refusalError(refusal: StreamRefusal): DomainError {
  if (refusal === 'draining') {
    return new DomainError('shutting_down', 503, 'This instance is shutting down: reconnect.', {
      headers: { 'retry-after': '1' },
    });
  }
  const which = { per_user: 'for your account', per_ip: 'from your address', total: 'on this server' }[refusal];
  return tooManyRequests('too_many_streams', `Too many live streams are open ${which}: close one first.`, 5);
}

/**
 * One SSE response: `send` frames events, a comment every STREAM_HEARTBEAT keeps proxies from
 * closing it, and it ends after STREAM_MAX_LIFETIME (the browser's EventSource reconnects with
 * `Last-Event-ID`). A consumer that leaves more than STREAM_MAX_BUFFER unread is dropped rather
 * than let the instance's memory grow.
 */
export class SseStream {
  private readonly raw: ServerResponse;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly lifetime: NodeJS.Timeout;
  private readonly closeListeners: ((end: StreamEnd) => void)[] = [];
  private readonly forget: () => void;
  private ended = false;

  constructor(
    reply: FastifyReply,
    private readonly feed: string,
    private readonly ticket: StreamTicket,
    private readonly streams: Streams,
  ) {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined && name !== 'content-length') headers[name] = value;
    }
    reply.hijack();
    this.raw = reply.raw;
    // The client may have gone while the route's guards and checks ran: its response's close has
    // fired already and would never reach the listener below, so the slot is given back at once.
    // (A pipelined response has no socket of its own until its turn: the request's is the one to ask.)
    const socket = this.raw.socket ?? reply.request.raw.socket;
    const gone = this.raw.destroyed || !socket || socket.destroyed;
    this.raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    this.raw.write('retry: 3000\n\n');
    this.raw.on('close', () => this.end('client'));
    this.raw.on('error', () => this.end('error'));
    const { heartbeatSeconds, maxLifetimeSeconds } = streams.config;
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), heartbeatSeconds * 1000);
    this.lifetime = setTimeout(() => this.end('lifetime'), maxLifetimeSeconds * 1000);
    this.heartbeat.unref();
    this.lifetime.unref();
    this.forget = streams.track(this);
    if (gone) this.end('client');
  }

  get closed(): boolean {
    return this.ended;
  }

  send(event: string, data: unknown, id?: string | number): void {
    if (this.write(sseFrame(event, data, id))) this.streams.sent.inc({ feed: this.feed });
  }

  onClose(listener: (end: StreamEnd) => void): void {
    if (this.ended) listener('client');
    else this.closeListeners.push(listener);
  }

  end(reason: StreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.lifetime);
    this.forget();
    this.ticket.release(reason);
    if (reason === 'slow_consumer' || reason === 'error') this.raw.destroy();
    else if (!this.raw.writableEnded) this.raw.end();
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }

  private write(chunk: string): boolean {
    if (this.ended) return false;
    if (this.raw.writableLength > this.streams.config.maxBufferBytes) {
      this.end('slow_consumer');
      return false;
    }
    this.raw.write(chunk);
    return true;
  }
}
