import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, DataSource, In, type Repository } from 'typeorm';
import { EventBus } from '../../platform/events';
import { type Page, pageWindow, toPage } from '../../platform/http/pagination';
import { SessionsService } from './sessions.service';
import { ApiKeysService } from './api-keys.service';
import { toUserView, type UserView } from './auth.service';
import { AuthError } from './domain/auth.errors';
import { type Role, UserEntity } from './infra/user.entity';

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

const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The admin user console: search, and bulk activation/deactivation. */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly events: EventBus,
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
   * keys in the same step, so nothing they hold keeps working. Ids are de-duplicated.
   */
  async bulk(adminId: string, ids: string[], action: 'activate' | 'deactivate'): Promise<BulkResult> {
    const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
    if (action === 'deactivate' && unique.includes(adminId.toLowerCase())) throw AuthError.cannotDeactivateSelf();
    const found = await this.users.findBy({ id: In(unique) });
    const foundIds = new Set(found.map((u) => u.id));
    const target = action === 'activate';
    const toChange = found.filter((u) => u.isActive !== target).map((u) => u.id);
    const revokedKeys = new Map<string, number>();
    if (toChange.length > 0) {
      await this.dataSource.transaction(async (m) => {
        await m.update(UserEntity, { id: In(toChange) }, { isActive: target });
        if (!target) for (const id of toChange) revokedKeys.set(id, (await this.apiKeys.revokeAllForUser(m, id, adminId)).length);
      });
    }
    for (const id of toChange) {
      if (target) {
        await this.events.publish('auth.user_activated', { user_id: id, by_user_id: adminId });
      } else {
        const sessionsRevoked = await this.sessions.revokeAllForUser(id, 'user_deactivated', undefined, adminId);
        await this.events.publish('auth.user_deactivated', {
          user_id: id,
          by_user_id: adminId,
          sessions_revoked: sessionsRevoked,
          api_keys_revoked: revokedKeys.get(id) ?? 0,
        });
      }
    }
    const result: BulkResult = {
      requested: unique.length,
      updated: toChange.length,
      unchanged: found.length - toChange.length,
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
  }
}
