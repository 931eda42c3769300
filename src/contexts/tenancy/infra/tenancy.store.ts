import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { escapeLike } from '../../../platform/database/like';
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

export interface Window {
  skip: number;
  take: number;
}

const TENANT_COLUMNS = `t.id, t.slug, t.name, t.status, t.personal_owner_id, t.settings, t.quotas, t.created_at, t.updated_at`;

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
   */
  async insertPersonal(m: EntityManager, userId: string, slug: string): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO tenants (slug, name, personal_owner_id)
       SELECT $2, coalesce(nullif(btrim(u.display_name), ''), 'Personal'), u.id FROM users u WHERE u.id = $1
       ON CONFLICT (personal_owner_id) DO NOTHING
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

  async insertMembership(m: EntityManager, tenantId: string, userId: string, role: TenantRole): Promise<void> {
    await m.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`, [tenantId, userId, role]);
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

  /** Erasure: the user's personal tenant (with its memberships), then every other membership of theirs. */
  async eraseUser(m: EntityManager, userId: string): Promise<number> {
    // A DELETE answers [rows, affected count] through TypeORM's query().
    const [, tenants] = await m.query<[unknown[], number]>(`DELETE FROM tenants WHERE personal_owner_id = $1`, [userId]);
    const [, memberships] = await m.query<[unknown[], number]>(`DELETE FROM memberships WHERE user_id = $1`, [userId]);
    return tenants + memberships;
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
