import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { escapeLike } from '../../../platform/database/like';
import { preparedQuery } from '../../../platform/database/prepared';
import { setTenantSql } from '../../../platform/database/tenant-scope';
import type { InvitationRole } from '../domain/invitations';
import type { TenantRole } from '../domain/roles';
import type { TenantStatus } from '../domain/tenant';

/** A tenant row as the store reads it (snake_case, as PostgreSQL returns it). */
export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  personal_owner_id: string | null;
  settings: Record<string, unknown>;
  quotas: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

/** A tenant and the role of the member it was read for. */
export interface MemberTenantRow extends TenantRow {
  role: TenantRole;
}

/** A tenant as `enterTenant` reads it: the member's view, and the facts its settings look at. */
export interface EnteredTenantRow extends MemberTenantRow {
  has_mfa: boolean;
  session_started_at: Date | null;
}

/** A tenant as platform admins see it. */
export interface AdminTenantRow extends TenantRow {
  member_count: number;
}

/** A member with the identity fields shown next to it (read from `users`). */
export interface MemberRow {
  user_id: string;
  email: string;
  display_name: string | null;
  role: TenantRole;
  joined_at: Date;
}

/** A tenant invitation as the store reads it (never its token hash). */
export interface InvitationRow {
  id: string;
  tenant_id: string;
  email: string;
  role: InvitationRole;
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

export interface Window {
  skip: number;
  take: number;
}

const TENANT_COLUMNS = `t.id, t.slug, t.name, t.status, t.personal_owner_id, t.settings, t.quotas, t.created_at, t.updated_at`;
/** `$1`'s personal tenant, and the shared tenants `$1` belongs to alone. */
const ERASED_WITH = `t.personal_owner_id = $1
   OR (EXISTS (SELECT 1 FROM memberships mine WHERE mine.tenant_id = t.id AND mine.user_id = $1)
       AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.tenant_id = t.id AND o.user_id <> $1))`;
const INVITATION_COLUMNS = `i.id, i.tenant_id, i.email, i.role, i.invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at`;
/** Neither accepted nor revoked, and not expired at `$now` (the parameter named). */
const PENDING = (now: string): string => `i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ${now}`;

/**
 * Every query of the tenancy context. Callers pass the EntityManager to run on: the
 * transaction's, for anything that changes data or must see it under lock.
 *
 * Member listings join `users` for `email` and `display_name`: identity exports no batch
 * read of users, so this context reads those two columns itself (read-only).
 */
@Injectable()
export class TenancyStore {
  // ------------------------------------------------------------------------- personal tenants

  async personalTenantId(m: EntityManager, userId: string): Promise<string | null> {
    const rows: { id: string }[] = await m.query(`SELECT id FROM tenants WHERE personal_owner_id = $1`, [userId]);
    return rows[0]?.id ?? null;
  }

  /**
   * Creates `userId`'s personal tenant and their owner membership unless it exists: true if
   * this call created it. Named after the account's display name (else "Personal"); a
   * parallel call waits on the unique index and then does nothing.
   *
   * `ON CONFLICT DO NOTHING` without a target: every unique index is an arbiter. With only
   * `(personal_owner_id)` named, a parallel call could pass that check first and then meet
   * the other call's uncommitted row in `ux_tenants_slug` (the same `u-…` slug), which is an
   * error, not a conflict it handles. The slug derives from the user id and no one may choose
   * a `u-` slug, so either conflict means this user's personal tenant exists.
   */
  async insertPersonal(m: EntityManager, userId: string, slug: string): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO tenants (slug, name, personal_owner_id)
       SELECT $2, coalesce(nullif(btrim(u.display_name), ''), 'Personal'), u.id FROM users u WHERE u.id = $1
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [userId, slug],
    );
    const id = rows[0]?.id ?? null;
    if (id) await this.insertMembership(m, id, userId, 'owner');
    return id;
  }

  // ---------------------------------------------------------------------------------- tenants

  async insertTenant(m: EntityManager, slug: string, name: string): Promise<TenantRow> {
    const rows: TenantRow[] = await m.query(`INSERT INTO tenants AS t (slug, name) VALUES ($1, $2) RETURNING ${TENANT_COLUMNS}`, [
      slug,
      name,
    ]);
    return rows[0];
  }

  /**
   * Locks the tenant row for the rest of the transaction. Every change to a tenant or its
   * memberships takes this lock first, so they happen one after the other (`NO KEY UPDATE`:
   * it does not block inserts that only reference the tenant). `forDelete`: a full `UPDATE`
   * lock. False for an unknown tenant.
   */
  async lockTenant(m: EntityManager, tenantId: string, forDelete = false): Promise<boolean> {
    const mode = forDelete ? 'UPDATE' : 'NO KEY UPDATE';
    const rows: unknown[] = await m.query(`SELECT 1 FROM tenants WHERE id = $1 FOR ${mode}`, [tenantId]);
    return rows.length > 0;
  }

  /**
   * Locks the tenant row like `lockTenant` (`FOR NO KEY UPDATE`: additions checked against a
   * quota run one after the other) and reads its quotas as stored under the lock.
   */
  async lockTenantQuotas(m: EntityManager, tenantId: string): Promise<unknown> {
    const rows: { quotas: unknown }[] = await m.query(`SELECT quotas FROM tenants WHERE id = $1 FOR NO KEY UPDATE`, [tenantId]);
    return rows[0]?.quotas ?? {};
  }

  /** The tenant as seen by one of its members (with their role); null when they are not one. */
  async tenantForMember(m: EntityManager, tenantId: string, userId: string): Promise<MemberTenantRow | null> {
    const rows: MemberTenantRow[] = await m.query(
      `SELECT ${TENANT_COLUMNS}, mb.role
       FROM tenants t JOIN memberships mb ON mb.tenant_id = t.id AND mb.user_id = $2
       WHERE t.id = $1`,
      [tenantId, userId],
    );
    return rows[0] ?? null;
  }

  /**
   * `tenantForMember` that also makes the tenant the transaction's `app.tenant_id` (row-level
   * security) when the caller is a member, and reads what the tenant's settings look at (the
   * account's MFA, when the session began): the membership check, the facts and the scope in one
   * round trip. `tenantId: null` reads the caller's personal tenant.
   */
  async enterTenant(
    m: EntityManager,
    tenantId: string | null,
    userId: string,
    sessionId: string | null,
  ): Promise<EnteredTenantRow | null> {
    const params: unknown[] = [userId, sessionId];
    if (tenantId !== null) params.push(tenantId);
    // Every tenant-owned request starts with this statement: prepared, one name per variant.
    const rows = await preparedQuery<EnteredTenantRow>(
      m,
      tenantId === null ? 'enter_personal_tenant' : 'enter_tenant',
      `SELECT ${TENANT_COLUMNS}, mb.role,
              EXISTS (SELECT 1 FROM user_mfa f WHERE f.user_id = $1 AND f.enabled_at IS NOT NULL) AS has_mfa,
              (SELECT s.created_at FROM user_sessions s WHERE s.id = $2::uuid) AS session_started_at,
              ${setTenantSql('t.id')} AS scope
       FROM tenants t JOIN memberships mb ON mb.tenant_id = t.id AND mb.user_id = $1
       WHERE ${tenantId === null ? 't.personal_owner_id = $1' : 't.id = $3'}`,
      params,
    );
    return rows[0] ?? null;
  }

  /** The user's tenants with their role: their personal tenant first, then by name. */
  async tenantsOf(m: EntityManager, userId: string, window: Window): Promise<{ rows: MemberTenantRow[]; total: number }> {
    const [rows, count] = await Promise.all([
      m.query<MemberTenantRow[]>(
        `SELECT ${TENANT_COLUMNS}, mb.role
         FROM memberships mb JOIN tenants t ON t.id = mb.tenant_id
         WHERE mb.user_id = $1
         ORDER BY (t.personal_owner_id IS NOT DISTINCT FROM mb.user_id) DESC, lower(t.name), t.name, t.id
         LIMIT $2 OFFSET $3`,
        [userId, window.take, window.skip],
      ),
      m.query<{ total: string }[]>(`SELECT count(*) AS total FROM memberships WHERE user_id = $1`, [userId]),
    ]);
    return { rows, total: Number(count[0].total) };
  }

  async updateTenant(
    m: EntityManager,
    tenantId: string,
    changes: { name?: string; settings?: object; status?: TenantStatus; quotas?: object },
  ): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [tenantId];
    const set = (column: string, value: unknown, cast = ''): void => {
      params.push(value);
      sets.push(`${column} = $${params.length}${cast}`);
    };
    if (changes.name !== undefined) set('name', changes.name);
    if (changes.status !== undefined) set('status', changes.status);
    if (changes.settings !== undefined) set('settings', JSON.stringify(changes.settings), '::jsonb');
    if (changes.quotas !== undefined) set('quotas', JSON.stringify(changes.quotas), '::jsonb');
    if (sets.length === 0) return;
    await m.query(`UPDATE tenants SET ${sets.join(', ')}, updated_at = clock_timestamp() WHERE id = $1`, params);
  }

  async deleteTenant(m: EntityManager, tenantId: string): Promise<void> {
    await m.query(`DELETE FROM tenants WHERE id = $1`, [tenantId]);
  }

  // ------------------------------------------------------------------------------ memberships

  /** Adds a member; resolves with when they joined. */
  async insertMembership(m: EntityManager, tenantId: string, userId: string, role: TenantRole): Promise<Date> {
    const rows: { created_at: Date }[] = await m.query(
      `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3) RETURNING created_at`,
      [tenantId, userId, role],
    );
    return rows[0].created_at;
  }

  async countMembers(m: EntityManager, tenantId: string): Promise<number> {
    const rows: { total: string }[] = await m.query(`SELECT count(*) AS total FROM memberships WHERE tenant_id = $1`, [tenantId]);
    return Number(rows[0].total);
  }

  /** Whether a member of the tenant has this (normalised) address; compared case-insensitively. */
  async hasMemberWithEmail(m: EntityManager, tenantId: string, email: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM memberships mb JOIN users u ON u.id = mb.user_id WHERE mb.tenant_id = $1 AND lower(u.email) = $2`,
      [tenantId, email],
    );
    return rows.length > 0;
  }

  /** A member's role, the row locked for the rest of the transaction; null when not a member. */
  async lockMembership(m: EntityManager, tenantId: string, userId: string): Promise<TenantRole | null> {
    const rows: { role: TenantRole }[] = await m.query(
      `SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2 FOR UPDATE`,
      [tenantId, userId],
    );
    return rows[0]?.role ?? null;
  }

  /**
   * The tenant's owners, their rows locked (`FOR UPDATE`, in id order) for the rest of the
   * transaction: the last-owner rule reads them here, so two parallel demotions cannot both
   * see the other owner still in place.
   */
  async lockOwners(m: EntityManager, tenantId: string): Promise<string[]> {
    const rows: { user_id: string }[] = await m.query(
      `SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner' ORDER BY user_id FOR UPDATE`,
      [tenantId],
    );
    return rows.map((row) => row.user_id);
  }

  async setRole(m: EntityManager, tenantId: string, userId: string, role: TenantRole): Promise<void> {
    await m.query(`UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId, role]);
  }

  async deleteMembership(m: EntityManager, tenantId: string, userId: string): Promise<void> {
    await m.query(`DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
  }

  async member(m: EntityManager, tenantId: string, userId: string): Promise<MemberRow | null> {
    const rows: MemberRow[] = await m.query(
      `SELECT mb.user_id, u.email, u.display_name, mb.role, mb.created_at AS joined_at
       FROM memberships mb JOIN users u ON u.id = mb.user_id
       WHERE mb.tenant_id = $1 AND mb.user_id = $2`,
      [tenantId, userId],
    );
    return rows[0] ?? null;
  }

  /** The tenant's members, in the order they joined. */
  async members(m: EntityManager, tenantId: string, window: Window): Promise<{ rows: MemberRow[]; total: number }> {
    const [rows, count] = await Promise.all([
      m.query<MemberRow[]>(
        `SELECT mb.user_id, u.email, u.display_name, mb.role, mb.created_at AS joined_at
         FROM memberships mb JOIN users u ON u.id = mb.user_id
         WHERE mb.tenant_id = $1
         ORDER BY mb.created_at, mb.user_id
         LIMIT $2 OFFSET $3`,
        [tenantId, window.take, window.skip],
      ),
      m.query<{ total: string }[]>(`SELECT count(*) AS total FROM memberships WHERE tenant_id = $1`, [tenantId]),
    ]);
    return { rows, total: Number(count[0].total) };
  }

  // ------------------------------------------------------------------------------ invitations

  async insertInvitation(
    m: EntityManager,
    invitation: {
      tenantId: string;
      email: string;
      role: InvitationRole;
      tokenHash: string;
      invitedBy: string;
      expiresAt: Date;
    },
  ): Promise<InvitationRow> {
    const rows: InvitationRow[] = await m.query(
      `INSERT INTO tenant_invitations AS i (tenant_id, email, role, token_hash, invited_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING ${INVITATION_COLUMNS}`,
      [invitation.tenantId, invitation.email, invitation.role, invitation.tokenHash, invitation.invitedBy, invitation.expiresAt],
    );
    return rows[0];
  }

  /**
   * The tenant's pending invitations at `now` (for the `max_members` quota), not counting
   * those to `exceptEmail` (about to be replaced).
   */
  async countPendingInvitations(m: EntityManager, tenantId: string, now: Date, exceptEmail?: string): Promise<number> {
    const rows: { total: string }[] = await m.query(
      `SELECT count(*) AS total FROM tenant_invitations i
       WHERE i.tenant_id = $1 AND ${PENDING('$2')} AND ($3::text IS NULL OR i.email <> $3)`,
      [tenantId, now, exceptEmail ?? null],
    );
    return Number(rows[0].total);
  }

  /** Revokes the tenant's pending invitations to `email` (at `now`); the ids revoked. */
  async revokePendingTo(m: EntityManager, tenantId: string, email: string, now: Date): Promise<string[]> {
    // An UPDATE answers [rows, affected count] through TypeORM's query().
    const [rows] = await m.query<[{ id: string }[], number]>(
      `UPDATE tenant_invitations i SET revoked_at = $3
       WHERE i.tenant_id = $1 AND i.email = $2 AND ${PENDING('$3')}
       RETURNING i.id`,
      [tenantId, email, now],
    );
    return rows.map((row) => row.id);
  }

  /** Revokes one invitation if it is still pending at `now`: false when it was not (or is unknown). */
  async revokeInvitation(m: EntityManager, tenantId: string, invitationId: string, now: Date): Promise<boolean> {
    const [, affected] = await m.query<[unknown[], number]>(
      `UPDATE tenant_invitations i SET revoked_at = $3
       WHERE i.tenant_id = $1 AND i.id = $2 AND ${PENDING('$3')}`,
      [tenantId, invitationId, now],
    );
    return affected > 0;
  }

  async invitation(m: EntityManager, tenantId: string, invitationId: string): Promise<InvitationRow | null> {
    const rows: InvitationRow[] = await m.query(
      `SELECT ${INVITATION_COLUMNS} FROM tenant_invitations i WHERE i.tenant_id = $1 AND i.id = $2`,
      [tenantId, invitationId],
    );
    return rows[0] ?? null;
  }

  /** The invitation whose token hashes to `tokenHash`, whatever its state; null when none. */
  async invitationByTokenHash(m: EntityManager, tokenHash: string): Promise<InvitationRow | null> {
    const rows: InvitationRow[] = await m.query(
      `SELECT ${INVITATION_COLUMNS} FROM tenant_invitations i WHERE i.token_hash = $1`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  /**
   * Spends an invitation: one conditional UPDATE, so of two parallel uses exactly one finds it
   * still pending at `now` and marks it accepted. False when it was not pending.
   */
  async spendInvitation(m: EntityManager, invitationId: string, now: Date): Promise<boolean> {
    const [, affected] = await m.query<[unknown[], number]>(
      `UPDATE tenant_invitations i SET accepted_at = $2
       WHERE i.id = $1 AND ${PENDING('$2')}`,
      [invitationId, now],
    );
    return affected > 0;
  }

  /** The tenant's invitations, whatever their state, newest first. */
  async invitations(m: EntityManager, tenantId: string, window: Window): Promise<{ rows: InvitationRow[]; total: number }> {
    const [rows, count] = await Promise.all([
      m.query<InvitationRow[]>(
        `SELECT ${INVITATION_COLUMNS} FROM tenant_invitations i
         WHERE i.tenant_id = $1
         ORDER BY i.created_at DESC, i.id DESC
         LIMIT $2 OFFSET $3`,
        [tenantId, window.take, window.skip],
      ),
      m.query<{ total: string }[]>(`SELECT count(*) AS total FROM tenant_invitations WHERE tenant_id = $1`, [tenantId]),
    ]);
    return { rows, total: Number(count[0].total) };
  }

  /** The tenants `userId` belongs to, with their role (for their data export). */
  async membershipsOf(m: EntityManager, userId: string): Promise<(MemberTenantRow & { joined_at: Date })[]> {
    return m.query(
      `SELECT ${TENANT_COLUMNS}, mb.role, mb.created_at AS joined_at
       FROM memberships mb JOIN tenants t ON t.id = mb.tenant_id
       WHERE mb.user_id = $1
       ORDER BY mb.created_at, t.id`,
      [userId],
    );
  }

  /** The invitations sent to `email` (any state), oldest first, with the tenant's name. */
  async invitationsTo(m: EntityManager, email: string): Promise<(InvitationRow & { tenant_name: string })[]> {
    return m.query(
      `SELECT ${INVITATION_COLUMNS}, t.name AS tenant_name
       FROM tenant_invitations i JOIN tenants t ON t.id = i.tenant_id
       WHERE i.email = $1
       ORDER BY i.created_at, i.id`,
      [email.trim().toLowerCase()],
    );
  }

  /**
   * Erasure: the user's personal tenant (with its memberships), then every other membership of
   * theirs, then the invitations addressed to their address (whatever their state). Invitations
   * they sent stay (their id in `invited_by` is the pseudonym the audit trail keeps too).
   */
  /** Shared tenants the user alone owns while others are members (what their account's closing would orphan). */
  soleOwnerships(m: EntityManager, userId: string): Promise<{ id: string; slug: string }[]> {
    // An owner whose own account is closing (in its grace period) does not count: it is leaving too.
    return m.query<{ id: string; slug: string }[]>(
      `SELECT t.id, t.slug
         FROM memberships mine JOIN tenants t ON t.id = mine.tenant_id
        WHERE mine.user_id = $1 AND mine.role = 'owner' AND t.personal_owner_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM memberships o JOIN users ou ON ou.id = o.user_id
                           WHERE o.tenant_id = t.id AND o.role = 'owner' AND o.user_id <> $1 AND ou.deletion_due_at IS NULL)
          AND EXISTS (SELECT 1 FROM memberships x WHERE x.tenant_id = t.id AND x.user_id <> $1)
        ORDER BY t.slug`,
      [userId],
    );
  }

  /**
   * The shared tenants `userId` owns, each locked like every change to its memberships
   * (`lockTenant`), in id order, and for each where no other owner is left but other members
   * are, the member to hand it to: an active account not itself closing before any other, then
   * the longest-standing admin, else the longest-standing member.
   */
  async successorsOf(m: EntityManager, userId: string): Promise<{ tenant_id: string; user_id: string; role: TenantRole }[]> {
    const owned = await m.query<{ id: string }[]>(
      `SELECT t.id FROM tenants t JOIN memberships mine ON mine.tenant_id = t.id
        WHERE mine.user_id = $1 AND mine.role = 'owner' AND t.personal_owner_id IS NULL
        ORDER BY t.id FOR NO KEY UPDATE OF t`,
      [userId],
    );
    if (owned.length === 0) return [];
    return m.query<{ tenant_id: string; user_id: string; role: TenantRole }[]>(
      `SELECT DISTINCT ON (o.tenant_id) o.tenant_id, o.user_id, o.role
         FROM memberships o JOIN users u ON u.id = o.user_id
        WHERE o.tenant_id = ANY($2::uuid[]) AND o.user_id <> $1
          AND NOT EXISTS (SELECT 1 FROM memberships x WHERE x.tenant_id = o.tenant_id AND x.role = 'owner' AND x.user_id <> $1)
        ORDER BY o.tenant_id, (u.is_active AND u.deletion_due_at IS NULL) DESC, (o.role = 'admin') DESC, o.created_at, o.user_id`,
      [userId, owned.map((t) => t.id)],
    );
  }

  /** The tenants that go with an erased user: their personal tenant, and shared ones nobody else belongs to. */
  async tenantsErasedWith(m: EntityManager, userId: string): Promise<string[]> {
    const rows = await m.query<{ id: string }[]>(`SELECT t.id FROM tenants t WHERE ${ERASED_WITH}`, [userId]);
    return rows.map((row) => row.id);
  }

  async eraseUser(m: EntityManager, userId: string, email: string): Promise<number> {
    // A DELETE answers [rows, affected count] through TypeORM's query().
    // A shared tenant this user was the last owner of has been handed over first (`successorsOf`).
    const [, tenants] = await m.query<[unknown[], number]>(`DELETE FROM tenants t WHERE ${ERASED_WITH}`, [userId]);
    const [, memberships] = await m.query<[unknown[], number]>(`DELETE FROM memberships WHERE user_id = $1`, [userId]);
    const [, invitations] = await m.query<[unknown[], number]>(`DELETE FROM tenant_invitations WHERE email = $1`, [
      email.trim().toLowerCase(),
    ]);
    return tenants + memberships + invitations;
  }

  // ------------------------------------------------------------------------- platform admins

  /** Every tenant, newest first, with its member count; `q` matches name or slug, case-insensitively. */
  async adminList(
    m: EntityManager,
    filter: { q?: string; status?: TenantStatus },
    window: Window,
  ): Promise<{ rows: AdminTenantRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.q) {
      params.push(`%${escapeLike(filter.q)}%`);
      where.push(`(t.name ILIKE $${params.length} ESCAPE '\\' OR t.slug ILIKE $${params.length} ESCAPE '\\')`);
    }
    if (filter.status) {
      params.push(filter.status);
      where.push(`t.status = $${params.length}`);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, count] = await Promise.all([
      m.query<AdminTenantRow[]>(
        `SELECT ${TENANT_COLUMNS}, (SELECT count(*) FROM memberships mb WHERE mb.tenant_id = t.id)::int AS member_count
         FROM tenants t ${clause}
         ORDER BY t.created_at DESC, t.id DESC
         LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, window.take, window.skip],
      ),
      m.query<{ total: string }[]>(`SELECT count(*) AS total FROM tenants t ${clause}`, params),
    ]);
    return { rows, total: Number(count[0].total) };
  }

  async adminGet(m: EntityManager, tenantId: string): Promise<AdminTenantRow | null> {
    const rows: AdminTenantRow[] = await m.query(
      `SELECT ${TENANT_COLUMNS}, (SELECT count(*) FROM memberships mb WHERE mb.tenant_id = t.id)::int AS member_count
       FROM tenants t WHERE t.id = $1`,
      [tenantId],
    );
    return rows[0] ?? null;
  }
}
