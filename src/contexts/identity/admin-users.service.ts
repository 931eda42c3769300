import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, DataSource, type EntityManager, In, IsNull, type Repository } from 'typeorm';
import { escapeLike } from '../../platform/database/like';
import { EventBus } from '../../platform/events';
import { type Page, pageWindow, toPage } from '../../platform/http/pagination';
import { type FieldError, ValidationFailedError } from '../../platform/http/problem';
import { runInTransaction } from '../../platform/database/transaction-context';
import { type ClientInfo, SessionsService } from './sessions.service';
import { AccountClosureService } from './account-closure.service';
import { ApiKeysService } from './api-keys.service';
import { toUserView, type UserView } from './auth.service';
import { AuthError } from './domain/auth.errors';
import { assertAdminsRemain } from './infra/admin-census';
import { type Role, UserEntity } from './infra/user.entity';
import { accountStatus } from './user-view';

export interface UserQuery {
  q?: string;
  role?: Role;
  is_active?: boolean;
  page: number;
  page_size: number;
}

export interface BulkResult {
  requested: number;
  updated: number;
  unchanged: number;
  not_found: string[];
}

/** What an admin may change on a user (`PATCH /auth/users/{id}`); `display_name: null` clears it. */
export interface UserPatch {
  role?: Role;
  is_active?: boolean;
  display_name?: string | null;
}

export const USER_PATCH_FIELDS = ['role', 'is_active', 'display_name'] as const;

/** What a patch really changes on a user as it stands (fields already so are left out). */
export interface UserChange {
  columns: Partial<Pick<UserEntity, 'role' | 'isActive' | 'displayName'>>;
  role?: { from: Role; to: Role };
  activation?: 'activated' | 'deactivated';
}

/** A PATCH must name at least one field: the platform's validation problem otherwise, before anything is read. */
export function assertPatchNotEmpty(patch: UserPatch | undefined): asserts patch is UserPatch {
  if (patch && USER_PATCH_FIELDS.some((field) => patch[field] !== undefined)) return;
  const message = `Send at least one of: ${USER_PATCH_FIELDS.join(', ')}.`;
  throw new ValidationFailedError(
    USER_PATCH_FIELDS.map((field): FieldError => ({ field, code: 'at_least_one_required', message })),
  );
}

/**
 * Whether the patch could take admin power away from an active admin (a demotion or a
 * deactivation): the last-admin rule is checked before such a change, whatever the user is.
 */
export function mayRemoveAdmin(patch: UserPatch): boolean {
  return patch.role === 'user' || patch.is_active === false;
}

/** The difference between a user and a patch. */
export function planUserChange(user: Pick<UserEntity, 'role' | 'isActive' | 'displayName'>, patch: UserPatch): UserChange {
  const change: UserChange = { columns: {} };
  if (patch.role !== undefined && patch.role !== user.role) {
    change.columns.role = patch.role;
    change.role = { from: user.role, to: patch.role };
  }
  if (patch.is_active !== undefined && patch.is_active !== user.isActive) {
    change.columns.isActive = patch.is_active;
    change.activation = patch.is_active ? 'activated' : 'deactivated';
  }
  if (patch.display_name !== undefined && patch.display_name !== user.displayName) {
    change.columns.displayName = patch.display_name;
  }
  return change;
}

const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** What a change of a user ended: their sessions and their API keys (counts, for its audit record). */
interface Revoked {
  sessionsRevoked: number;
  apiKeysRevoked: number;
}

/**
 * The admin user console: search, bulk activation/deactivation, changing one user (role,
 * activation, name) and closing an account. Every change that demotes or deactivates admins
 * checks the last-admin rule in its transaction (`assertAdminsRemain`).
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly events: EventBus,
    private readonly closure: AccountClosureService,
  ) {}

  async list(query: UserQuery): Promise<Page<UserView>> {
    const qb = this.users.createQueryBuilder('u');
    if (query.q) {
      const pattern = `%${escapeLike(query.q.trim().toLowerCase())}%`;
      qb.andWhere(
        new Brackets((w) => {
          w.where(`u.email LIKE :pattern ESCAPE '\\'`, { pattern }).orWhere(`lower(u.display_name) LIKE :pattern ESCAPE '\\'`, {
            pattern,
          });
        }),
      );
    }
    if (query.role) qb.andWhere('u.role = :role', { role: query.role });
    if (query.is_active !== undefined) qb.andWhere('u.is_active = :active', { active: query.is_active });
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .skip(skip)
      .take(take)
      .getManyAndCount();
    return toPage(rows.map(toUserView), total, query);
  }

  /**
   * Activates or deactivates many users. Deactivation revokes the user's sessions and API
   * keys in the same step, so nothing they hold keeps working. Ids are de-duplicated. A
   * deactivation that would leave no active admin is refused as a whole (409 `last_admin`).
   * One transaction with every audit record: a failing step changes nobody.
   */
  async bulk(adminId: string, ids: string[], action: 'activate' | 'deactivate'): Promise<BulkResult> {
    const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
    if (action === 'deactivate' && unique.includes(adminId.toLowerCase())) throw AuthError.cannotDeactivateSelf();
    const target = action === 'activate';
    return runInTransaction(this.dataSource, async (m) => {
      // The census first: it locks the active admins in id order, as every other caller of it does.
      if (!target) await assertAdminsRemain(m, unique);
      const foundIds = new Set(
        (await m.getRepository(UserEntity).find({ select: { id: true }, where: { id: In(unique) } })).map((u) => u.id),
      );
      const changed = await this.setActive(m, unique, target);
      for (const id of changed) {
        if (target) await this.events.publish('auth.user_activated', { user_id: id, by_user_id: adminId });
        else await this.deactivated(m, id, adminId);
      }
      const result: BulkResult = {
        requested: unique.length,
        updated: changed.length,
        unchanged: foundIds.size - changed.length,
        not_found: unique.filter((id) => !foundIds.has(id)),
      };
      await this.events.publish('auth.users_bulk_updated', {
        by_user_id: adminId,
        action,
        requested: result.requested,
        updated: result.updated,
        unchanged: result.unchanged,
        not_found: result.not_found.length,
      });
      return result;
    });
  }

  /**
   * Sets `is_active` on those of `ids` that differ, and returns their ids. A closed account
   * (deletion pending, or erased) is left as it is. Decided by the UPDATE itself, on each row as
   * it stands once locked: a closing that committed after anything this request read still
   * wins, so a bulk activation never reopens an account being closed.
   */
  private async setActive(m: EntityManager, ids: string[], active: boolean): Promise<string[]> {
    const result = await m
      .createQueryBuilder()
      .update(UserEntity)
      .set({ isActive: active })
      .where({ id: In(ids), isActive: !active, deletionDueAt: IsNull(), erasedAt: IsNull() })
      .returning(['id'])
      .execute();
    return (result.raw as { id: string }[]).map((r) => r.id);
  }

  /** What a deactivation ends for the user (sessions, API keys), and its audit record; inside the change's transaction. */
  private async deactivated(m: EntityManager, userId: string, adminId: string): Promise<void> {
    const apiKeysRevoked = (await this.apiKeys.revokeAllForUser(m, userId, adminId)).length;
    const sessionsRevoked = await this.sessions.revokeAllForUser(userId, 'user_deactivated', undefined, adminId);
    await this.publishDeactivated(userId, adminId, { sessionsRevoked, apiKeysRevoked });
  }

  private publishDeactivated(userId: string, adminId: string, revoked: Revoked): Promise<void> {
    return this.events.publish('auth.user_deactivated', {
      user_id: userId,
      by_user_id: adminId,
      sessions_revoked: revoked.sessionsRevoked,
      api_keys_revoked: revoked.apiKeysRevoked,
    });
  }

  /**
   * Changes one user's role, activation or display name. A role change or a deactivation ends
   * the user's sessions at once (a deactivation also revokes their API keys), so the change
   * holds from the next request on. Closed and erased accounts cannot be changed.
   * @throws ValidationFailedError 400 when the patch names no field
   * @throws AuthError 400 cannot_deactivate_self, 404 user_not_found, 409 account_closed, 409 last_admin
   */
  async update(adminId: string, userId: string, patch: UserPatch | undefined): Promise<UserView> {
    assertPatchNotEmpty(patch);
    if (patch.is_active === false && sameId(adminId, userId)) throw AuthError.cannotDeactivateSelf('id');
    // The change, what it ends and its audit records commit together, or not at all.
    const user = await runInTransaction(this.dataSource, async (m) => {
      // The census first: it locks the active admins in id order, as every other caller of it does.
      if (mayRemoveAdmin(patch)) await assertAdminsRemain(m, [userId]);
      const users = m.getRepository(UserEntity);
      const found = await users.findOne({ where: { id: userId }, lock: { mode: 'pessimistic_write' } });
      if (!found) throw AuthError.userNotFound();
      const status = accountStatus(found);
      if (status === 'deletion_pending' || status === 'erased') throw AuthError.accountClosed();
      const change = planUserChange(found, patch);
      if (Object.keys(change.columns).length > 0) await users.update({ id: found.id }, change.columns);
      const deactivated = change.activation === 'deactivated';
      const apiKeysRevoked = deactivated ? (await this.apiKeys.revokeAllForUser(m, found.id, adminId)).length : 0;
      const sessionsRevoked =
        deactivated || change.role !== undefined
          ? await this.sessions.revokeAllForUser(found.id, deactivated ? 'user_deactivated' : 'role_changed', undefined, adminId)
          : 0;
      await this.recordChange(found.id, adminId, change, { sessionsRevoked, apiKeysRevoked });
      return users.findOneByOrFail({ id: found.id });
    });
    return toUserView(user);
  }

  /** The events of one user's change, with what it revoked; published inside its transaction (the audit records commit with it). */
  private async recordChange(userId: string, adminId: string, change: UserChange, revoked: Revoked): Promise<void> {
    if (change.role) {
      await this.events.publish('auth.user_role_changed', {
        user_id: userId,
        by_user_id: adminId,
        from: change.role.from,
        to: change.role.to,
        sessions_revoked: revoked.sessionsRevoked,
      });
    }
    if (change.activation === 'activated')
      await this.events.publish('auth.user_activated', { user_id: userId, by_user_id: adminId });
    if (change.activation === 'deactivated') await this.publishDeactivated(userId, adminId, revoked);
  }

  /**
   * An admin closes another user's account (`AccountClosureService.closeByAdmin`: signed out at
   * once, erased after the grace period); the answer is the closed account.
   * @throws AuthError 400 cannot_deactivate_self, 404 user_not_found, 409 account_closed, 409 last_admin
   */
  async close(adminId: string, userId: string, client: ClientInfo): Promise<UserView> {
    if (sameId(adminId, userId)) throw AuthError.cannotDeactivateSelf('id');
    await this.closure.closeByAdmin(adminId, userId, client);
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw AuthError.userNotFound();
    return toUserView(user);
  }
}
