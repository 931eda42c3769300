import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import { identityConfig, type IdentityConfig } from './identity.config';
import { afterCommit } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { type Page, pageWindow, toPage } from '../../platform/http/pagination';
import { JobRunner, SlotTimer, slotStart } from '../../platform/jobs';
import { type RefreshOutcome, refreshOutcome, sessionExpiry } from './domain/refresh-decision';
import { SessionError } from './domain/session.errors';
import { type NewSession, type SignedIn, SessionStore } from './infra/session.store';
import { loginSourcesOf } from './infra/login-sources';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** A session's newly issued refresh token (the raw value is never stored). */
export interface IssuedRefresh {
  sessionId: string;
  userId: string;
  refreshToken: string;
  /** When the session's user last proved who they are (its access tokens' `auth_time`). */
  authenticatedAt: Date;
}

export interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  ip: string | null;
  expires_at: string;
  is_current: boolean;
}

const ACTIVE_CACHE_MS = 2000;
const CLEANUP_JOB = 'cleanup_expired_sessions';

/** Refresh tokens: 256 random bits, base64url; only their SHA-256 is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Sessions and their refresh-token families. Every refresh takes the session row lock, so
 * concurrent refreshes of one session (any instance) are decided one after the other.
 */
@Injectable()
export class SessionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Identity');
  private readonly activeCache = new Map<string, { active: boolean; at: number }>();
  /** Starts the cleanup of each new slot; none before bootstrap and from shutdown on. */
  private cleanupTimer: SlotTimer | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  /**
   * The cleanup's schedule. Every instance wakes at each multiple of SESSION_CLEANUP_INTERVAL
   * (UTC-aligned, so at the top of each hour by default) and the job runner lets one of them run
   * the slot. The slot under way at start is not this instance's to attempt: it begins with the
   * next one. A slow run never shifts the schedule and a slot is never started twice here. The
   * schedule follows the system clock; the run itself follows the injected Clock.
   */
  onApplicationBootstrap(): void {
    this.cleanupTimer = new SlotTimer(this.config.sessionCleanupIntervalMs, () => {
      this.cleanupScheduled().catch((error: unknown) =>
        this.logger.error({ err: error, job: CLEANUP_JOB }, `Job ${CLEANUP_JOB} could not run`),
      );
    });
  }

  beforeApplicationShutdown(): void {
    this.cleanupTimer?.stop();
    this.cleanupTimer = undefined;
  }

  /** Starts a session that is not a sign-in (an accepted invitation's): nothing else is recorded or checked. */
  async start(userId: string, rawClient: ClientInfo): Promise<IssuedRefresh> {
    const { session, refreshToken, client } = this.newSession(userId, rawClient);
    await this.store.start(session);
    await this.started(session, client);
    return { sessionId: session.id, userId, refreshToken, authenticatedAt: session.now };
  }

  /**
   * A sign-in's session: its statement also stamps the user's last login and remembers where it
   * came from (`newSources`: the kinds of source seen for the first time, from the client as it
   * came, not as the session row bounds it), and gives the account's role as it stands (the
   * access token's). Null, with nothing written, when the account is no longer active or its
   * password changed since `passwordChangedAt` (as the sign-in read it): it lost a race with a
   * password reset, a password change or a deactivation, whose revocation of every session it
   * would have escaped.
   */
  async signIn(
    userId: string,
    rawClient: ClientInfo,
    at: Date,
    passwordChangedAt: Date | null,
  ): Promise<(IssuedRefresh & SignedIn) | null> {
    const { session, refreshToken, client } = this.newSession(userId, rawClient);
    const signedIn = await this.store.signIn(session, { at, sources: loginSourcesOf(rawClient), passwordChangedAt });
    if (!signedIn) return null;
    await this.started(session, client);
    return { sessionId: session.id, userId, refreshToken, authenticatedAt: session.now, ...signedIn };
  }

  private newSession(userId: string, rawClient: ClientInfo): { session: NewSession; refreshToken: string; client: ClientInfo } {
    const client = bounded(rawClient);
    const now = this.clock.now();
    const { token, hash } = newRefreshToken();
    const expiresAt = new Date(now.getTime() + this.config.sessionMaxLifetime * 1000);
    return {
      session: { id: randomUUID(), userId, now, expiresAt, ip: client.ip, userAgent: client.userAgent, tokenHash: hash },
      refreshToken: token,
      client,
    };
  }

  private started(session: NewSession, client: ClientInfo): Promise<void> {
    return this.events.publish('sessions.started', {
      session_id: session.id,
      user_id: session.userId,
      ip: client.ip,
      user_agent: client.userAgent,
    });
  }

  /** Exchanges a refresh token for a new one (rotation), detecting reuse of rotated tokens. */
  async rotate(presented: string, rawClient: ClientInfo): Promise<IssuedRefresh> {
    const client = bounded(rawClient);
    const now = this.clock.now();
    const next = newRefreshToken();
    const { config } = this;
    let authenticatedAt = now;
    const outcome = await this.store.refresh(
      hashToken(presented),
      { tokenHash: next.hash, now },
      (locked) => {
        authenticatedAt = locked.session.authenticatedAt;
        return refreshOutcome({
          ...locked,
          now,
          client,
          idleTimeoutSeconds: config.sessionIdleTimeout,
          reuseGraceSeconds: config.refreshReuseGrace,
          suspiciousRefreshPolicy: config.suspiciousRefreshPolicy,
        });
      },
      // A session ended by this refresh (reuse, suspicion, expiry): its events commit with the revocation.
      (ended) => this.report(ended, client),
    );
    if (outcome.kind === 'rotated') await this.report(outcome, client);
    // Dropped again now that the revocation is committed (a check in between may have cached it as live).
    else if (outcome.kind === 'session_ended') this.activeCache.delete(outcome.sessionId);
    if (outcome.kind !== 'rotated') throw refusal(outcome);
    return { sessionId: outcome.sessionId, userId: outcome.userId, refreshToken: next.token, authenticatedAt };
  }

  /**
   * The session's user proved who they are again (`POST /auth/reauthenticate`): its tokens'
   * `auth_time` from now on. False when the session is not the user's live one.
   */
  async reauthenticated(sessionId: string, userId: string, now: Date): Promise<boolean> {
    return this.store.authenticated(sessionId, userId, now);
  }

  /** Revokes one of the user's sessions; another user's (or unknown) session is a 404. */
  async revoke(sessionId: string, userId: string, reason = 'user_revoked'): Promise<void> {
    if (!(await this.store.revokeOwn(sessionId, userId, reason, this.clock.now()))) {
      if (!(await this.store.exists(sessionId, userId))) throw new SessionError('session_not_found', 'No such session.');
      return;
    }
    await this.announceRevoked(sessionId, userId, reason, userId);
  }

  /** Revokes the session a refresh token belongs to (logout without an access token). */
  async revokeByRefreshToken(presented: string, reason: string): Promise<void> {
    const session = await this.store.findByRefreshToken(hashToken(presented));
    if (!session) throw SessionError.invalidRefreshToken();
    if (session.revokedAt) return;
    await this.store.revoke(session.id, reason, this.clock.now());
    await this.announceRevoked(session.id, session.userId, reason, session.userId);
  }

  /**
   * Revokes every active session of the user except `keepSessionId`; returns how many. Inside
   * `runInTransaction` the revocation and its events are part of the caller's change: they
   * commit, or roll back, with it.
   */
  async revokeAllForUser(userId: string, reason: string, keepSessionId?: string, byUserId: string = userId): Promise<number> {
    const ids = await this.store.revokeAllForUser(userId, reason, keepSessionId);
    for (const id of ids) await this.announceRevoked(id, userId, reason, byUserId);
    return ids.length;
  }

  /** Whether access tokens of this session are still honoured (cached for at most 2 s). */
  async isActive(sessionId: string): Promise<boolean> {
    const cached = this.activeCache.get(sessionId);
    if (cached && performance.now() - cached.at < ACTIVE_CACHE_MS) return cached.active;
    const session = await this.store.findById(sessionId);
    const active =
      !!session &&
      !session.revokedAt &&
      sessionExpiry(session.expiresAt, session.lastUsedAt, this.config.sessionIdleTimeout) > this.clock.now();
    this.activeCache.set(sessionId, { active, at: performance.now() });
    if (this.activeCache.size > 10_000) this.activeCache.clear();
    return active;
  }

  /** Sessions that can still be used (not revoked, within their lifetime and idle timeout), across all users. */
  countActive(now: Date = this.clock.now()): Promise<number> {
    return this.store.countActive(now, this.idleCutoff(now));
  }

  /** The user's usable sessions, newest first. */
  async list(
    userId: string,
    currentSessionId: string | null,
    page: { page: number; page_size: number },
  ): Promise<Page<SessionView>> {
    const [rows, total] = await this.store.listActive(userId, this.idleCutoff(this.clock.now()), pageWindow(page));
    return toPage(
      rows.map((s) => ({
        id: s.id,
        created_at: s.createdAt.toISOString(),
        last_used_at: s.lastUsedAt.toISOString(),
        user_agent: s.userAgent,
        ip: s.ip,
        expires_at: sessionExpiry(s.expiresAt, s.lastUsedAt, this.config.sessionIdleTimeout).toISOString(),
        is_current: s.id === currentSessionId,
      })),
      total,
      page,
    );
  }

  /**
   * Once per SESSION_CLEANUP_INTERVAL across instances (hourly by default): deletes sessions
   * that ended longer ago than SESSION_RETENTION. Logs this instance's outcome for the slot at
   * `debug` (`skipped` when another instance has or had it).
   */
  async cleanupScheduled(now: Date = this.clock.now()): Promise<void> {
    const interval = this.config.sessionCleanupIntervalMs;
    const outcome = await this.jobs.runOnce(
      CLEANUP_JOB,
      interval,
      async (m) => {
        await this.deleteExpired(m, now);
      },
      now,
    );
    const slot = slotStart(now, interval).toISOString();
    this.logger.debug(
      { event: 'job_attempt', job: CLEANUP_JOB, slot, outcome, instance_id: this.jobs.instanceId },
      `Job ${CLEANUP_JOB} slot ${slot}: ${outcome}`,
    );
  }

  deleteExpired(m?: EntityManager, now: Date = this.clock.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.sessionRetention * 1000);
    return this.store.deleteEnded(cutoff, this.idleCutoff(cutoff), m);
  }

  /** Sessions last used before this are over by the idle timeout. */
  private idleCutoff(now: Date): Date {
    return new Date(now.getTime() - this.config.sessionIdleTimeout * 1000);
  }

  /**
   * What a refresh did, for audit, notifications and this instance's cache: a rotation after
   * it committed; a session it ended inside its transaction (the audit records commit with the
   * revocation; other subscribers run after the commit).
   */
  private async report(outcome: RefreshOutcome, client: ClientInfo): Promise<void> {
    if (outcome.kind !== 'session_ended' && outcome.kind !== 'rotated') return;
    const { sessionId, userId, suspicion } = outcome;
    if (suspicion?.suspicious) {
      await this.events.publish('sessions.suspicious_refresh', {
        session_id: sessionId,
        user_id: userId,
        ip: client.ip,
        user_agent: client.userAgent,
        ip_changed: suspicion.ipChanged,
        user_agent_changed: suspicion.userAgentChanged,
        action: outcome.kind === 'session_ended' ? 'denied' : 'allowed',
      });
    }
    if (outcome.kind === 'rotated') {
      await this.events.publish('sessions.refreshed', { session_id: sessionId, user_id: userId, grace: outcome.grace });
      return;
    }
    if (outcome.reason === 'refresh_reuse') {
      this.logger.warn({ session_id: sessionId, user_id: userId }, 'Refresh token reuse detected: session revoked');
      await this.events.publish('sessions.refresh_reuse_detected', {
        session_id: sessionId,
        user_id: userId,
        ip: client.ip,
        user_agent: client.userAgent,
      });
    }
    await this.announceRevoked(sessionId, userId, outcome.reason, null);
  }

  /**
   * After a revocation: stop honouring its access tokens here at once, and tell the others.
   * Inside a transaction the cache is dropped again once it commits: a check in between still
   * read the session as live, and may have cached it so.
   */
  private async announceRevoked(sessionId: string, userId: string, reason: string, byUserId: string | null): Promise<void> {
    this.activeCache.delete(sessionId);
    afterCommit(() => {
      this.activeCache.delete(sessionId);
      return Promise.resolve();
    });
    await this.events.publish('sessions.revoked', { session_id: sessionId, user_id: userId, reason, by_user_id: byUserId });
  }
}

/** Why a refresh that did not rotate is refused. */
function refusal(outcome: Exclude<RefreshOutcome, { kind: 'rotated' }>): SessionError {
  if (outcome.kind === 'unknown_token') return SessionError.invalidRefreshToken();
  if (outcome.kind === 'session_revoked')
    return new SessionError('session_revoked', 'The session has been revoked; log in again.');
  switch (outcome.reason) {
    case 'expired_idle':
    case 'expired_lifetime':
      return new SessionError('session_expired', 'The session has expired; log in again.');
    case 'refresh_reuse':
      return new SessionError('refresh_token_reused', 'The refresh token was already used; the session has been revoked.');
    case 'suspicious_refresh':
      return new SessionError('suspicious_refresh', 'The refresh came from another client; log in again.');
  }
}

/**
 * Client details cut to the widths of their columns, before they are stored or compared, so
 * a long user agent reads the same at login and at refresh.
 */
function bounded(client: ClientInfo): ClientInfo {
  return { ip: client.ip?.slice(0, 64) ?? null, userAgent: client.userAgent?.slice(0, 512) ?? null };
}
