import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, IsNull, type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { EventBus } from '../../platform/events';
import { ValidationFailedError } from '../../platform/http/validation';
import { type Page, pageWindow, toPage } from '../../platform/http/pagination';
import { ONE_STATEMENT } from '../../platform/database/one-statement';
import type { ClientInfo } from './sessions.service';
import type { AuthenticatedUser } from './api/authenticated-user';
import { AuthError } from './domain/auth.errors';
import { ApiKeyEntity } from './infra/api-key.entity';
import { UserEntity } from './infra/user.entity';

export const API_KEY_PREFIX = 'bst_';
const KEY_PATTERN = /^bst_[A-Za-z0-9_-]{43}$/;
const MAX_LIFETIME_MS = 2 * 365 * 24 * 3_600_000;
/** `last_used_at` is written at most this often per key (it is informational). */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function toView(k: ApiKeyEntity): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    expires_at: k.expiresAt?.toISOString() ?? null,
  };
}

/**
 * Personal API keys: `bst_` + 256 random bits (base64url), shown once, stored as SHA-256.
 * A key acts as its owner with the owner's current role; revoked or expired keys, and keys
 * of deactivated users, are refused.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  async create(
    userId: string,
    name: string,
    expiresAt: string | undefined,
    client: ClientInfo,
  ): Promise<ApiKeyView & { key: string }> {
    const now = this.clock.now();
    let expiry: Date | null = null;
    if (expiresAt !== undefined) {
      expiry = new Date(expiresAt);
      if (expiry.getTime() <= now.getTime() || expiry.getTime() - now.getTime() > MAX_LIFETIME_MS) {
        throw new ValidationFailedError(
          [{ field: 'expires_at', code: 'out_of_range', message: 'Must be in the future and at most two years ahead.' }],
          'The request is invalid.',
        );
      }
    }
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const saved = await this.keys.save(
      this.keys.create({ userId, name: name.trim(), prefix: key.slice(0, 12), secretHash: hashKey(key), expiresAt: expiry }),
      ONE_STATEMENT,
    );
    await this.events.publish('auth.api_key_created', {
      api_key_id: saved.id,
      user_id: userId,
      prefix: saved.prefix,
      expires_at: expiry?.toISOString() ?? null,
      ip: client.ip,
    });
    return { ...toView(saved), key };
  }

  /** The caller's keys that are not revoked (expired ones included, so they can be cleaned up), newest first. */
  async list(userId: string, page: { page: number; page_size: number }): Promise<Page<ApiKeyView>> {
    const [rows, total] = await this.keys.findAndCount({
      where: { userId, revokedAt: IsNull() },
      order: { createdAt: 'DESC', id: 'DESC' },
      ...pageWindow(page),
    });
    return toPage(rows.map(toView), total, page);
  }

  async revoke(userId: string, id: string): Promise<void> {
    const result = await this.keys.update({ id, userId, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    if ((result.affected ?? 0) === 0) throw AuthError.apiKeyNotFound();
    await this.events.publish('auth.api_key_revoked', { api_key_id: id, user_id: userId, reason: 'user', by_user_id: userId });
  }

  /** Revokes every key of a user (deactivation); returns how many. */
  async revokeAllForUser(m: EntityManager, userId: string, byUserId: string): Promise<string[]> {
    const rows = await m
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ revokedAt: this.clock.now() })
      .where('user_id = :userId AND revoked_at IS NULL', { userId })
      .returning(['id'])
      .execute();
    const ids = (rows.raw as { id: string }[]).map((r) => r.id);
    for (const id of ids) {
      await this.events.publish('auth.api_key_revoked', {
        api_key_id: id,
        user_id: userId,
        reason: 'user_deactivated',
        by_user_id: byUserId,
      });
    }
    return ids;
  }

  /** The principal a presented key stands for, or undefined (unknown, revoked, expired, owner inactive). */
  async authenticate(key: string, client: ClientInfo): Promise<AuthenticatedUser | undefined> {
    if (!KEY_PATTERN.test(key)) return undefined;
    const row = await this.keys.findOneBy({ secretHash: hashKey(key) });
    if (!row) return undefined;
    const now = this.clock.now();
    const reject = async (reason: 'revoked' | 'expired' | 'user_inactive') => {
      await this.events.publish('auth.api_key_rejected', {
        api_key_id: row.id,
        user_id: row.userId,
        reason,
        ip: client.ip,
        user_agent: client.userAgent,
      });
      return undefined;
    };
    if (row.revokedAt) return reject('revoked');
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return reject('expired');
    const owner = await this.users.findOneBy({ id: row.userId });
    if (!owner?.isActive) return reject('user_inactive');
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.keys.update({ id: row.id }, { lastUsedAt: now });
    }
    return { id: owner.id, role: owner.role, sessionId: null, apiKeyId: row.id };
  }
}
