import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull, type Repository } from 'typeorm';
import { preparedQuery } from '../../../platform/database/prepared';
import { currentTransaction, runInTransaction } from '../../../platform/database/transaction-context';
import type { RefreshOutcome } from '../domain/refresh-decision';
import type { LoginSourceKind } from './login-source.entity';
import type { LoginSource } from './login-sources';
import { RefreshTokenEntity } from './refresh-token.entity';
import type { Role } from './user.entity';
import { UserSessionEntity } from './user-session.entity';

export interface NewSession {
  id: string;
  userId: string;
  now: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  /** SHA-256 of the session's first refresh token. */
  tokenHash: string;
}

/** What a sign-in records with its session, in the session's statement. */
export interface SignInRecord {
  /** The user's `last_login_at`. */
  at: Date;
  /** Inserted into `login_sources`, or their `last_seen_at` moved to `at`. */
  sources: LoginSource[];
  /**
   * The account's `password_changed_at` as the sign-in read it (null: never changed): the session
   * is started only if the account still has that password and is active, so a login racing a
   * password reset, a password change or a deactivation never keeps a session those ended. (Not
   * the hash: a login's own rehash changes that, and two logins rehashing at once would fail
   * each other.)
   */
  passwordChangedAt: Date | null;
}

/** A sign-in's statement's outcome: the account's role as it stands, and the sources seen for the first time. */
export interface SignedIn {
  role: Role;
  newSources: Set<LoginSourceKind>;
}

/** What a refresh is decided on, read under the session's row lock. */
export interface LockedRefresh {
  session: UserSessionEntity;
  /** The presented token, re-read under the lock. */
  token: RefreshTokenEntity;
  /** The session's current (unused) token; looked up only when the presented one was used. */
  current: RefreshTokenEntity | null;
}

/**
 * A new session and its first refresh token in one statement (one round trip, atomic without
 * BEGIN/COMMIT): the token's foreign key is checked at the end of the statement, when the
 * session row exists.
 */
const SESSION_COLUMNS = 'id, user_id, last_used_at, authenticated_at, expires_at, ip, user_agent';
const INSERT_SESSION = `INSERT INTO user_sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $3, $4, $5, $6)`;
const INSERT_FIRST_TOKEN = `INSERT INTO refresh_tokens (session_id, token_hash, parent_id) VALUES ($1, $7, NULL)`;
const START_SESSION_SQL = `WITH session AS (${INSERT_SESSION}) ${INSERT_FIRST_TOKEN}`;

/**
 * A sign-in in one statement. First the user's last login ($8), only while the account is active
 * and its password is still the one the sign-in checked (`password_changed_at` as it read it, $9,
 * to the millisecond: what a JavaScript Date holds; every writer of it writes one): the UPDATE waits for a transaction
 * that changes the row (a reset, a password change, a deactivation) and then sees its result, so
 * a sign-in that lost such a race writes nothing. Then, from that row, the session and its first
 * token, and the sign-in's sources, inserted or touched (`xmax = 0`: this statement inserted the
 * row, so the source is new). No row back when it did not sign in; otherwise one per source (one with a
 * null kind when there is none), each with the role as it stands now (the access token's).
 */
function signInSql(sources: number): string {
  const values = Array.from({ length: sources }, (_, i) => `($${i * 2 + 10}, $${i * 2 + 11})`).join(', ');
  const recorded =
    sources === 0
      ? `SELECT NULL::varchar AS kind, false AS inserted WHERE false`
      : `INSERT INTO login_sources (user_id, kind, value_hash, first_seen_at, last_seen_at)
         SELECT signed_in.id, v.kind, v.value_hash, $8, $8 FROM signed_in, (VALUES ${values}) AS v (kind, value_hash)
         ON CONFLICT (user_id, kind, value_hash) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at
         RETURNING kind, (xmax = 0) AS inserted`;
  return `
    WITH signed_in AS (
      UPDATE users SET last_login_at = $8, updated_at = CURRENT_TIMESTAMP
      WHERE id = $2 AND is_active AND date_trunc('milliseconds', password_changed_at) IS NOT DISTINCT FROM $9::timestamptz
      RETURNING id, role
    ),
    session AS (INSERT INTO user_sessions (${SESSION_COLUMNS})
      SELECT $1, signed_in.id, $3, $3, $4, $5, $6 FROM signed_in RETURNING id),
    token AS (INSERT INTO refresh_tokens (session_id, token_hash, parent_id) SELECT session.id, $7, NULL FROM session),
    recorded AS (${recorded})
    SELECT signed_in.role, recorded.kind, recorded.inserted
    FROM signed_in LEFT JOIN recorded ON true`;
}

const sessionValues = (s: NewSession): unknown[] => [s.id, s.userId, s.now, s.expiresAt, s.ip, s.userAgent, s.tokenHash];

/** SQL of the sessions tables: start, refresh, revoke, list, count, clean up. */
@Injectable()
export class SessionStore {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserSessionEntity) private readonly sessions: Repository<UserSessionEntity>,
    @InjectRepository(RefreshTokenEntity) private readonly tokens: Repository<RefreshTokenEntity>,
  ) {}

  /** Starts a session (not a sign-in: nothing else is recorded, nothing is checked). */
  async start(s: NewSession): Promise<void> {
    await preparedQuery(this.dataSource.manager, 'start_session', START_SESSION_SQL, sessionValues(s));
  }

  /**
   * A sign-in's session, in one statement with what it records (last login, sources): the
   * role as it stands and the sources seen for the first time, or null when the account is no
   * longer active or its password changed since `signIn.passwordChangedAt` (nothing written; see `signInSql`).
   */
  async signIn(s: NewSession, signIn: SignInRecord): Promise<SignedIn | null> {
    // Prepared: every login sends it. One text per number of sources (0–2: address, user agent).
    const sources = signIn.sources.length;
    const rows = await preparedQuery<{ role: Role; kind: LoginSourceKind | null; inserted: boolean | null }>(
      this.dataSource.manager,
      `sign_in_${sources}`,
      signInSql(sources),
      [
        ...sessionValues(s),
        signIn.at,
        signIn.passwordChangedAt,
        ...signIn.sources.flatMap(({ kind, valueHash }) => [kind, valueHash]),
      ],
    );
    if (rows.length === 0) return null;
    const newSources = new Set(rows.flatMap((row) => (row.kind !== null && row.inserted ? [row.kind] : [])));
    return { role: rows[0].role, newSources };
  }

  /**
   * One refresh, in one transaction. Reads the presented token, takes its session's row lock
   * (so concurrent refreshes of one session, on any instance, are decided one after the
   * other), re-reads the token under it and, when it was used, the session's current token.
   * `decide` turns that into the outcome, whose writes follow: a `session_ended` revokes the
   * session; a `rotated` retires a token, adds `next` as the presented token's child and
   * marks the session used. `whenEnded` runs inside the transaction after a session is ended
   * (the caller publishes what ended it there, so the audit record commits with the revocation).
   */
  refresh(
    tokenHash: string,
    next: { tokenHash: string; now: Date },
    decide: (locked: LockedRefresh) => RefreshOutcome,
    whenEnded?: (outcome: Extract<RefreshOutcome, { kind: 'session_ended' }>) => Promise<void>,
  ): Promise<RefreshOutcome> {
    return runInTransaction(this.dataSource, async (m): Promise<RefreshOutcome> => {
      const token = await m.findOne(RefreshTokenEntity, { where: { tokenHash } });
      if (!token) return { kind: 'unknown_token' };
      const session = await m
        .getRepository(UserSessionEntity)
        .createQueryBuilder('s')
        .setLock('pessimistic_write')
        .where('s.id = :id', { id: token.sessionId })
        .getOneOrFail();
      const fresh = await m.findOneByOrFail(RefreshTokenEntity, { id: token.id });
      const current = fresh.usedAt ? await m.findOneBy(RefreshTokenEntity, { sessionId: session.id, usedAt: IsNull() }) : null;
      const outcome = decide({ session, token: fresh, current });
      if (outcome.kind === 'session_ended') {
        await m.update(UserSessionEntity, { id: session.id }, { revokedAt: next.now, revokedReason: outcome.reason });
        await whenEnded?.(outcome);
      }
      if (outcome.kind === 'rotated') {
        if (outcome.retireTokenId) await m.update(RefreshTokenEntity, { id: outcome.retireTokenId }, { usedAt: next.now });
        await m.insert(RefreshTokenEntity, { sessionId: session.id, tokenHash: next.tokenHash, parentId: fresh.id });
        await m.update(UserSessionEntity, { id: session.id }, { lastUsedAt: next.now });
      }
      return outcome;
    });
  }

  /** Revokes the user's session unless it is revoked already; false when nothing changed. */
  async revokeOwn(sessionId: string, userId: string, reason: string, now: Date): Promise<boolean> {
    const result = await this.sessions.update(
      { id: sessionId, userId, revokedAt: IsNull() },
      { revokedAt: now, revokedReason: reason },
    );
    return !!result.affected;
  }

  /** Records a fresh authentication of the user's live session; false when it is not one. */
  async authenticated(sessionId: string, userId: string, now: Date): Promise<boolean> {
    const result = await this.sessions.update({ id: sessionId, userId, revokedAt: IsNull() }, { authenticatedAt: now });
    return !!result.affected;
  }

  exists(sessionId: string, userId: string): Promise<boolean> {
    return this.sessions.existsBy({ id: sessionId, userId });
  }

  /** The session a refresh token belongs to; null for an unknown token. */
  async findByRefreshToken(tokenHash: string): Promise<UserSessionEntity | null> {
    const token = await this.tokens.findOneBy({ tokenHash });
    return token ? this.sessions.findOneByOrFail({ id: token.sessionId }) : null;
  }

  async revoke(sessionId: string, reason: string, now: Date): Promise<void> {
    await this.sessions.update({ id: sessionId }, { revokedAt: now, revokedReason: reason });
  }

  /**
   * Revokes every active session of the user except `keepSessionId`, at the database's time; returns
   * their ids. Inside `runInTransaction` it is part of the caller's change (a reset, a password
   * change, a deactivation, a closing) and commits or rolls back with it.
   */
  async revokeAllForUser(userId: string, reason: string, keepSessionId?: string): Promise<string[]> {
    const qb = (currentTransaction() ?? this.dataSource.manager)
      .createQueryBuilder()
      .update(UserSessionEntity)
      .set({ revokedAt: () => 'now()', revokedReason: reason })
      .where('user_id = :userId AND revoked_at IS NULL', { userId });
    if (keepSessionId) qb.andWhere('id <> :keep', { keep: keepSessionId });
    const result = await qb.returning(['id']).execute();
    return (result.raw as { id: string }[]).map((r) => r.id);
  }

  findById(sessionId: string): Promise<UserSessionEntity | null> {
    return this.sessions.findOneBy({ id: sessionId });
  }

  /** Sessions of every user that are not revoked, before `now` and used after `idleCutoff`. */
  countActive(now: Date, idleCutoff: Date): Promise<number> {
    return this.sessions
      .createQueryBuilder('s')
      .where('s.revoked_at IS NULL AND s.expires_at > :now AND s.last_used_at > :idleCutoff', { now, idleCutoff })
      .getCount();
  }

  /**
   * The user's sessions that are not revoked, not past their lifetime (at the database's time)
   * and used after `idleCutoff`: one page, newest first, and how many there are in all.
   */
  listActive(userId: string, idleCutoff: Date, window: { skip: number; take: number }): Promise<[UserSessionEntity[], number]> {
    return this.sessions
      .createQueryBuilder('s')
      .where('s.user_id = :userId AND s.revoked_at IS NULL AND s.expires_at > now() AND s.last_used_at > :idleCutoff', {
        userId,
        idleCutoff,
      })
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .skip(window.skip)
      .take(window.take)
      .getManyAndCount();
  }

  /** Deletes sessions revoked or past their lifetime before `cutoff`, or last used before `idleCutoff`. */
  async deleteEnded(cutoff: Date, idleCutoff: Date, m: EntityManager = this.dataSource.manager): Promise<number> {
    const result = await m
      .createQueryBuilder()
      .delete()
      .from(UserSessionEntity)
      .where('revoked_at < :cutoff OR expires_at < :cutoff OR last_used_at < :idleCutoff', { cutoff, idleCutoff })
      .execute();
    return result.affected ?? 0;
  }
}
