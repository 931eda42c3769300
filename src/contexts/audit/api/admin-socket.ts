import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { DomainError, PROBLEM_CONTENT_TYPE, problem } from '../../../platform/http/problem';
import { type StreamEnd, Streams, type StreamTicket } from '../../../platform/live';
import { type AuthenticatedUser, BearerAuthenticator } from '../../identity';
import type { AuditRow } from '../domain/hash-chain';
import { AuditFeed } from '../infra/audit.feed';

export const ADMIN_SOCKET_PATH = '/api/v1/admin/ws';
/** The subprotocol a client offers with its token (`['bastion.bearer', '<access token>']`); the server answers with this one. */
export const BEARER_PROTOCOL = 'bastion.bearer';
/** How often an open socket's token and session are checked again. */
const RECHECK_MS = 1000;
/** How long a socket without a token in its subprotocols has to send `{"type":"auth","token":"…"}`. */
const AUTH_TIMEOUT_MS = 5000;

/** User-status messages, from the audit events that change a user's state. */
const USER_STATUS: Record<string, string> = {
  'auth.user_activated': 'user.activated',
  'auth.user_deactivated': 'user.deactivated',
  'auth.account_locked': 'user.locked',
  'auth.account_unlocked': 'user.unlocked',
};

/** The messages an audit row becomes on the socket: itself, and a user-status change when it is one. */
export function socketMessages(row: AuditRow): object[] {
  const messages: object[] = [{ type: 'audit', id: row.seq, event: row }];
  const status = USER_STATUS[row.type];
  if (status && row.subject_type === 'user' && row.subject_id) {
    messages.push({ type: status, id: row.seq, user_id: row.subject_id, at: row.occurred_at });
  }
  return messages;
}

/** Close codes (4000–4999: the application's). */
export const CLOSE = {
  lifetime: 4000,
  unauthenticated: 4401,
  forbidden: 4403,
  tooMany: 4429,
  slow: 4008,
  shutdown: 1001,
} as const;

/** A token in the query string ends up in logs: such a request is refused before any upgrade. */
const TOKEN_PARAMS = /(?:^|&)(?:access_token|token|bearer|jwt|authorization)=/i;

function bearerFromProtocols(header: string | undefined): string | undefined {
  const offered = (header ?? '').split(',').map((p) => p.trim());
  const at = offered.indexOf(BEARER_PROTOCOL);
  return at >= 0 && offered[at + 1] ? offered[at + 1] : undefined;
}

interface Pending {
  user?: AuthenticatedUser;
  token?: string;
  ticket?: StreamTicket;
  /** Gives the ticket back when the connection closes before the socket is served. */
  onConnectionClose?: () => void;
}
type SocketRequest = FastifyRequest & { bastionSocket?: Pending };

/**
 * `GET /api/v1/admin/ws`: the admin audit feed and user-status changes over a WebSocket
 * (`@fastify/websocket`), for the console. Authentication by the bearer token in the
 * `Sec-WebSocket-Protocol` header (`bastion.bearer, <token>`; refused with the usual HTTP
 * problem before the upgrade) or in the first message (`{"type":"auth","token":"…"}`; refused
 * with close code 4401/4403/4429) — never in the URL. The socket closes when its session is
 * revoked or its token expires (checked every second), after STREAM_MAX_LIFETIME, when it falls
 * STREAM_MAX_BUFFER behind, and when the instance drains. `?after=<seq>` resumes after an audit seq.
 */
@Injectable()
export class AdminSocket implements OnModuleInit {
  private readonly logger = new Logger('AdminSocket');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: BearerAuthenticator,
    private readonly streams: Streams,
    private readonly feed: AuditFeed,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(async (instance) => {
      await instance.register(fastifyWebsocket, {
        options: {
          maxPayload: 16 * 1024,
          handleProtocols: (protocols: Set<string>) => (protocols.has(BEARER_PROTOCOL) ? BEARER_PROTOCOL : false),
        },
      });
      instance.route({
        method: 'GET',
        url: ADMIN_SOCKET_PATH,
        preValidation: (request, reply) => this.beforeUpgrade(request as SocketRequest, reply),
        handler: (request, reply) => {
          // Not an upgrade (a proxy that dropped the Upgrade header): the slot taken before is given
          // back, and the connection (kept alive for more requests) stops listening for it.
          const release = (request as SocketRequest).bastionSocket?.onConnectionClose;
          if (release) {
            request.raw.socket.off('close', release);
            release();
          }
          this.refuse(request, reply, new DomainError('upgrade_required', 426, 'Open a WebSocket.'));
        },
        wsHandler: (socket, request) => this.connected(socket, request as SocketRequest),
      });
    });
  }

  private async beforeUpgrade(request: SocketRequest, reply: FastifyReply): Promise<void> {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    if (TOKEN_PARAMS.test(query)) {
      return this.refuse(
        request,
        reply,
        new DomainError(
          'token_in_url',
          400,
          'Never put a token in the URL: send it in Sec-WebSocket-Protocol or the first message.',
        ),
      );
    }
    const token = bearerFromProtocols(request.headers['sec-websocket-protocol']);
    if (token === undefined) {
      request.bastionSocket = {};
      return;
    }
    const user = await this.auth.authenticate(token);
    if (!user) return this.refuse(request, reply, new DomainError('unauthenticated', 401, 'A valid access token is required.'));
    if (!(await this.auth.mayAdminister(user))) {
      return this.refuse(request, reply, new DomainError('forbidden', 403, 'You are not allowed to do this.'));
    }
    let ticket: StreamTicket;
    try {
      ticket = this.streams.admit('admin_ws', { userId: user.id, ip: request.ip });
    } catch (error) {
      return this.refuse(request, reply, error as DomainError);
    }
    // A client that goes before the upgrade completes never reaches `connected`: its connection's
    // close gives the slot back (a ticket is released once, so a served socket's own end is unharmed),
    // and one that went while its token was checked gives it back now.
    const onConnectionClose = (): void => ticket.release('client');
    request.bastionSocket = { user, token, ticket, onConnectionClose };
    const connection = request.raw.socket;
    if (connection.destroyed) onConnectionClose();
    else connection.once('close', onConnectionClose);
  }

  private refuse(request: FastifyRequest, reply: FastifyReply, error: DomainError): void {
    void reply
      .code(error.status)
      .headers({ ...(error.options.headers ?? {}), 'content-type': PROBLEM_CONTENT_TYPE })
      .send(
        problem(error.status, {
          code: error.code,
          detail: error.message,
          requestId: String(request.id),
          extensions: error.options.extensions,
        }),
      );
  }

  private connected(socket: WebSocket, request: SocketRequest): void {
    const pending = request.bastionSocket ?? {};
    if (pending.user && pending.token && pending.ticket) {
      this.serve(socket, request, pending.user, pending.token, pending.ticket);
      return;
    }
    const timer = setTimeout(() => socket.close(CLOSE.unauthenticated, 'authentication timed out'), AUTH_TIMEOUT_MS);
    socket.once('message', (data: Buffer) => {
      clearTimeout(timer);
      this.authenticateByMessage(socket, request, data.toString('utf8')).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Authenticating a socket by its first message failed');
        socket.close(CLOSE.unauthenticated, 'a valid access token is required');
      });
    });
    socket.once('close', () => clearTimeout(timer));
  }

  private async authenticateByMessage(socket: WebSocket, request: SocketRequest, text: string): Promise<void> {
    let message: { type?: unknown; token?: unknown; after?: unknown } = {};
    try {
      const parsed: unknown = JSON.parse(text);
      // `null`, a number, a string: no fields (a `null` used to throw and leave the socket open, unauthenticated).
      if (parsed !== null && typeof parsed === 'object') message = parsed;
    } catch {
      // Not JSON: no fields either.
    }
    const token = message.type === 'auth' && typeof message.token === 'string' ? message.token : undefined;
    const user = token ? await this.auth.authenticate(token) : undefined;
    if (!token || !user) return socket.close(CLOSE.unauthenticated, 'a valid access token is required');
    if (!(await this.auth.mayAdminister(user))) return socket.close(CLOSE.forbidden, 'admins only');
    let ticket: StreamTicket;
    try {
      ticket = this.streams.admit('admin_ws', { userId: user.id, ip: request.ip });
    } catch {
      return socket.close(CLOSE.tooMany, 'too many streams');
    }
    const after = typeof message.after === 'number' && Number.isSafeInteger(message.after) ? message.after : undefined;
    this.serve(socket, request, user, token, ticket, after);
  }

  private serve(
    socket: WebSocket,
    request: FastifyRequest,
    user: AuthenticatedUser,
    token: string,
    ticket: StreamTicket,
    after = afterOf(request),
  ): void {
    // The client may have left while its token was checked: nothing to serve, the slot goes back.
    if (socket.readyState !== socket.OPEN) {
      ticket.release('client');
      return;
    }
    const { heartbeatSeconds, maxLifetimeSeconds, maxBufferBytes } = this.streams.config;
    let closed = false;
    const end = (reason: StreamEnd, code: number, text: string): void => {
      if (closed) return;
      closed = true;
      clearInterval(recheck);
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      unsubscribe();
      forget();
      ticket.release(reason);
      if (reason === 'slow_consumer') socket.terminate();
      else if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, text);
    };
    const send = (message: object): void => {
      if (closed) return;
      if (socket.bufferedAmount > maxBufferBytes) return end('slow_consumer', CLOSE.slow, 'too slow');
      socket.send(JSON.stringify(message));
      this.streams.sent.inc({ feed: 'admin_ws' });
    };
    const unsubscribe = this.feed.subscribe(after ?? null, {}, (row) => socketMessages(row).forEach(send));
    const forget = this.streams.track({ end: () => end('shutdown', CLOSE.shutdown, 'server shutting down') });
    const recheck = setInterval(() => {
      void this.auth.authenticate(token).then(
        (still) => {
          if (!still) end('revoked', CLOSE.unauthenticated, 'session ended or token expired');
        },
        (error: unknown) => this.logger.warn({ err: error }, 'Re-checking a socket’s session failed'),
      );
    }, RECHECK_MS);
    const heartbeat = setInterval(() => socket.ping(), heartbeatSeconds * 1000);
    const lifetime = setTimeout(() => end('lifetime', CLOSE.lifetime, 'maximum lifetime: reconnect'), maxLifetimeSeconds * 1000);
    socket.on('close', () => end('client', CLOSE.shutdown, ''));
    socket.on('error', () => end('error', CLOSE.shutdown, ''));
    send({ type: 'ready', user_id: user.id, after: after ?? this.feed.head });
  }
}

function afterOf(request: FastifyRequest): number | undefined {
  const value = (request.query as { after?: unknown } | undefined)?.after;
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}
