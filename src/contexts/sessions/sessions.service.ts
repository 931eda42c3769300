import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { platformConfig, type PlatformConfig } from '../../platform/config';
import { EventBus } from '../../platform/events';
import { type Page, pageWindow, toPage } from '../../platform/http/pagination';
import { JobRunner, slotStart } from '../../platform/jobs';
import { decideRefresh, isSuspiciousRefresh, sessionExpiry } from './domain/refresh-decision';
import { SessionError } from './domain/session.errors';
import { RefreshTokenEntity } from './infra/refresh-token.entity';
import { UserSessionEntity } from './infra/user-session.entity';
import { sessionsConfig, type SessionsConfig } from './sessions.config';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface IssuedRefresh {
  sessionId: string;
  userId: string;
  refreshToken: string;
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

/**
 * A new session and its first refresh token in one statement (one round trip, atomic without
 * BEGIN/COMMIT): the token's foreign key is checked at the end of the statement, when the
 * session row exists.
 */
const START_SESSION_SQL = `
  WITH session AS (
    INSERT INTO user_sessions (id, user_id, last_used_at, expires_at, ip, user_agent)
    VALUES ($1, $2, $3, $4, $5, $6)
  )
  INSERT INTO refresh_tokens (session_id, token_hash, parent_id) VALUES ($1, $7, NULL)`;

/** Refresh tokens: 256 random bits, base64url; only their SHA-256 is stored. */
function newRefreshToken(): { token: string; hash: string } {
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
  private readonly logger = new Logger('Sessions');
  private readonly activeCache = new Map<string, { active: boolean; at: number }>();
  private cleanupStopped = false;

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserSessionEntity) private readonly sessions: Repository<UserSessionEntity>,
    private readonly events: EventBus,
    private readonly jobs: JobRunner,
    private readonly scheduler: SchedulerRegistry,
    @Inject(platformConfig.KEY) private readonly config: PlatformConfig,
    @Inject(sessionsConfig.KEY) private readonly sessionsSettings: SessionsConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduleNextCleanup();
  }

  beforeApplicationShutdown(): void {
    this.cleanupStopped = true;
    if (this.scheduler.doesExist('timeout', CLEANUP_JOB)) this.scheduler.deleteTimeout(CLEANUP_JOB);
  }

  /**
   * Every instance fires at each multiple of SESSION_CLEANUP_INTERVAL (UTC-aligned, so at the
   * top of each hour by default) and the job runner lets one of them run the slot. The next
   * firing is armed before this one runs, so a slow run never shifts the schedule; a timer
   * that fires a little before its boundary (timers follow the monotonic clock, slots the wall
   * clock) waits out the rest instead of running the previous slot again.
   */
  private scheduleNextCleanup(at?: number): void {
    if (this.cleanupStopped) return;
    const interval = this.sessionsSettings.cleanupIntervalMs;
    const now = Date.now();
    const boundary = at ?? now - (now % interval) + interval;
    const timer = setTimeout(() => {
      this.scheduler.deleteTimeout(CLEANUP_JOB);
      if (Date.now() < boundary) {
        this.scheduleNextCleanup(boundary);
        return;
      }
      this.scheduleNextCleanup();
      this.cleanupScheduled().catch((error: unknown) =>
        this.logger.error({ err: error, job: CLEANUP_JOB }, `Job ${CLEANUP_JOB} could not run`),
      );
    }, boundary - now);
    timer.unref();
    this.scheduler.addTimeout(CLEANUP_JOB, timer);
  }

  async start(userId: string, rawClient: ClientInfo): Promise<IssuedRefresh> {
    const client = bounded(rawClient);
    const now = new Date();
    const { token, hash } = newRefreshToken();
    const sessionId = randomUUID();
    const expiresAt = new Date(now.getTime() + this.config.auth.sessionMaxLifetime * 1000);
    await this.dataSource.query(START_SESSION_SQL, [sessionId, userId, now, expiresAt, client.ip, client.userAgent, hash]);
    await this.events.publish('sessions.started', {
      session_id: sessionId,
      user_id: userId,
      ip: client.ip,
      user_agent: client.userAgent,
    });
    return { sessionId, userId, refreshToken: token };
  }

  /** Exchanges a refresh token for a new one (rotation), detecting reuse of rotated tokens. */
  async rotate(presented: string, rawClient: ClientInfo): Promise<IssuedRefresh> {
    const client = bounded(rawClient);
    const now = new Date();
    const outcome = await this.dataSource.transaction(async (m) => {
      const token = await m.findOne(RefreshTokenEntity, { where: { tokenHash: hashToken(presented) } });
      if (!token) return { error: SessionError.invalidRefreshToken() };
      const session = await m
        .getRepository(UserSessionEntity)
        .createQueryBuilder('s')
        .setLock('pessimistic_write')
        .where('s.id = :id', { id: token.sessionId })
        .getOneOrFail();
      // Re-read under the session lock: a concurrent rotation may have used it meanwhile.
      const fresh = await m.findOneByOrFail(RefreshTokenEntity, { id: token.id });
      const current = fresh.usedAt ? await m.findOneBy(RefreshTokenEntity, { sessionId: session.id, usedAt: IsNull() }) : null;
      const decision = decideRefresh({
        now,
        tokenUsedAt: fresh.usedAt,
        isParentOfCurrent: current?.parentId === fresh.id,
        sessionRevokedAt: session.revokedAt,
        sessionExpiresAt: session.expiresAt,
        sessionLastUsedAt: session.lastUsedAt,
        idleTimeoutSeconds: this.config.auth.sessionIdleTimeout,
        reuseGraceSeconds: this.config.auth.refreshReuseGrace,
      });
      switch (decision.kind) {
        case 'session_revoked':
          return { error: new SessionError('session_revoked', 'The session has been revoked; log in again.') };
        case 'session_expired':
          await m.update(UserSessionEntity, { id: session.id }, { revokedAt: now, revokedReason: `expired_${decision.reason}` });
          return {
            session,
            revoked: `expired_${decision.reason}`,
            error: new SessionError('session_expired', 'The session has expired; log in again.'),
          };
        case 'reuse_detected':
          await m.update(UserSessionEntity, { id: session.id }, { revokedAt: now, revokedReason: 'refresh_reuse' });
          return {
            session,
            revoked: 'refresh_reuse',
            reuse: true,
            error: new SessionError('refresh_token_reused', 'The refresh token was already used; the session has been revoked.'),
          };
        case 'rotate':
        case 'grace_rotate': {
          const suspicion = isSuspiciousRefresh(session, client);
          if (suspicion.suspicious && this.config.auth.suspiciousRefreshPolicy === 'deny') {
            await m.update(UserSessionEntity, { id: session.id }, { revokedAt: now, revokedReason: 'suspicious_refresh' });
            return {
              session,
              revoked: 'suspicious_refresh',
              suspicion,
              error: new SessionError('suspicious_refresh', 'The refresh came from another client; log in again.'),
            };
          }
          if (decision.kind === 'grace_rotate' && current)
            await m.update(RefreshTokenEntity, { id: current.id }, { usedAt: now });
          if (decision.kind === 'rotate') await m.update(RefreshTokenEntity, { id: fresh.id }, { usedAt: now });
          const { token: next, hash } = newRefreshToken();
          await m.insert(RefreshTokenEntity, { sessionId: session.id, tokenHash: hash, parentId: fresh.id });
          await m.update(UserSessionEntity, { id: session.id }, { lastUsedAt: now });
          return {
            session,
            issued: { sessionId: session.id, userId: session.userId, refreshToken: next },
            suspicion,
            grace: decision.kind === 'grace_rotate',
          };
        }
      }
    });

    if ('session' in outcome && outcome.session) {
      const s = outcome.session;
      if (outcome.suspicion?.suspicious) {
        await this.events.publish('sessions.suspicious_refresh', {
          session_id: s.id,
          user_id: s.userId,
          ip: client.ip,
          user_agent: client.userAgent,
          ip_changed: outcome.suspicion.ipChanged,
          user_agent_changed: outcome.suspicion.userAgentChanged,
          action: this.config.auth.suspiciousRefreshPolicy === 'deny' ? 'denied' : 'allowed',
        });
      }
      if (outcome.reuse) {
        this.logger.warn({ session_id: s.id, user_id: s.userId }, 'Refresh token reuse detected: session revoked');
        await this.events.publish('sessions.refresh_reuse_detected', {
          session_id: s.id,
          user_id: s.userId,
          ip: client.ip,
          user_agent: client.userAgent,
        });
      }
      if (outcome.revoked) await this.announceRevoked(s.id, s.userId, outcome.revoked, null);
      if (outcome.issued) {
        await this.events.publish('sessions.refreshed', { session_id: s.id, user_id: s.userId, grace: outcome.grace ?? false });
      }
    }
    if (outcome.error) throw outcome.error;
    if (!('issued' in outcome) || !outcome.issued) throw SessionError.invalidRefreshToken();
    return outcome.issued;
  }

  /** Revokes one of the user's sessions; another user's (or unknown) session is a 404. */
  async revoke(sessionId: string, userId: string, reason = 'user_revoked'): Promise<void> {
    const result = await this.sessions.update(
      { id: sessionId, userId, revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: reason },
    );
    if (!result.affected) {
      const exists = await this.sessions.existsBy({ id: sessionId, userId });
      if (!exists) throw new SessionError('session_not_found', 'No such session.');
      return;
    }
    await this.announceRevoked(sessionId, userId, reason, userId);
  }

  /** Revokes the session a refresh token belongs to (logout without an access token). */
  async revokeByRefreshToken(presented: string, reason: string): Promise<void> {
    const token = await this.dataSource.getRepository(RefreshTokenEntity).findOneBy({ tokenHash: hashToken(presented) });
    if (!token) throw SessionError.invalidRefreshToken();
    const session = await this.sessions.findOneByOrFail({ id: token.sessionId });
    if (session.revokedAt) return;
    await this.sessions.update({ id: session.id }, { revokedAt: new Date(), revokedReason: reason });
    await this.announceRevoked(session.id, session.userId, reason, session.userId);
  }

  /** Revokes every active session of the user except `keepSessionId`; returns how many. */
  async revokeAllForUser(userId: string, reason: string, keepSessionId?: string, byUserId: string = userId): Promise<number> {
    const qb = this.sessions
      .createQueryBuilder()
      .update(UserSessionEntity)
      .set({ revokedAt: () => 'now()', revokedReason: reason })
      .where('user_id = :userId AND revoked_at IS NULL', { userId });
    if (keepSessionId) qb.andWhere('id <> :keep', { keep: keepSessionId });
    const result = await qb.returning(['id']).execute();
    const ids = (result.raw as { id: string }[]).map((r) => r.id);
    for (const id of ids) await this.announceRevoked(id, userId, reason, byUserId);
    return ids.length;
  }

  /** Whether access tokens of this session are still honoured (cached for at most 2 s). */
  async isActive(sessionId: string): Promise<boolean> {
    const cached = this.activeCache.get(sessionId);
    if (cached && Date.now() - cached.at < ACTIVE_CACHE_MS) return cached.active;
    const session = await this.sessions.findOneBy({ id: sessionId });
    const now = new Date();
    const active =
      !!session &&
      !session.revokedAt &&
      sessionExpiry(session.expiresAt, session.lastUsedAt, this.config.auth.sessionIdleTimeout) > now;
    this.activeCache.set(sessionId, { active, at: Date.now() });
    if (this.activeCache.size > 10_000) this.activeCache.clear();
    return active;
  }

  /** Sessions that can still be used (not revoked, within their lifetime and idle timeout), across all users. */
  async countActive(now = new Date()): Promise<number> {
    const idleCutoff = new Date(now.getTime() - this.config.auth.sessionIdleTimeout * 1000);
    return this.sessions
      .createQueryBuilder('s')
      .where('s.revoked_at IS NULL AND s.expires_at > :now AND s.last_used_at > :idleCutoff', { now, idleCutoff })
      .getCount();
  }

  /** The user's usable sessions, newest first. */
  async list(
    userId: string,
    currentSessionId: string | null,
    page: { page: number; page_size: number },
  ): Promise<Page<SessionView>> {
    const idleCutoff = new Date(Date.now() - this.config.auth.sessionIdleTimeout * 1000);
    const [rows, total] = await this.sessions
      .createQueryBuilder('s')
      .where('s.user_id = :userId AND s.revoked_at IS NULL AND s.expires_at > now() AND s.last_used_at > :idleCutoff', {
        userId,
        idleCutoff,
      })
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .skip(pageWindow(page).skip)
      .take(pageWindow(page).take)
      .getManyAndCount();
    return toPage(
      rows.map((s) => ({
        id: s.id,
        created_at: s.createdAt.toISOString(),
        last_used_at: s.lastUsedAt.toISOString(),
        user_agent: s.userAgent,
        ip: s.ip,
        expires_at: sessionExpiry(s.expiresAt, s.lastUsedAt, this.config.auth.sessionIdleTimeout).toISOString(),
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
  async cleanupScheduled(now = new Date()): Promise<void> {
    const interval = this.sessionsSettings.cleanupIntervalMs;
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

  async deleteExpired(m = this.dataSource.manager, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.auth.sessionRetention * 1000);
    const idleCutoff = new Date(cutoff.getTime() - this.config.auth.sessionIdleTimeout * 1000);
    const result = await m
      .createQueryBuilder()
      .delete()
      .from(UserSessionEntity)
      .where('revoked_at < :cutoff OR expires_at < :cutoff OR last_used_at < :idleCutoff', { cutoff, idleCutoff })
      .execute();
    return result.affected ?? 0;
  }

  /** After a revocation is committed: stop honouring its access tokens here at once, and tell the others. */
  private async announceRevoked(sessionId: string, userId: string, reason: string, byUserId: string | null): Promise<void> {
    this.activeCache.delete(sessionId);
    await this.events.publish('sessions.revoked', { session_id: sessionId, user_id: userId, reason, by_user_id: byUserId });
  }
}

/**
 * Client details cut to the widths of their columns, before they are stored or compared, so
 * a long user agent reads the same at login and at refresh.
 */
function bounded(client: ClientInfo): ClientInfo {
  return { ip: client.ip?.slice(0, 64) ?? null, userAgent: client.userAgent?.slice(0, 512) ?? null };
}
