import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { currentTransaction, runInTransaction } from '../../platform/database/transaction-context';
import { EventBus } from '../../platform/events';
import { personalSlug } from './domain/slug';
import { TenancyError } from './domain/tenancy.errors';
import { TenancyStore } from './infra/tenancy.store';

/**
 * Every user has a personal tenant, made on first use (not at registration, so identity
 * need not know about tenancy): `INSERT … ON CONFLICT DO NOTHING`, then
 * read, so parallel first requests end up with the one tenant.
 */
@Injectable()
export class PersonalTenants {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: TenancyStore,
    private readonly events: EventBus,
  ) {}

  /**
   * The id of `userId`'s personal tenant, created (with its owner membership) if need be.
   * @throws TenancyError 404 tenant_not_found when there is no such user
   */
  async ensure(userId: string): Promise<string> {
    // On the caller's transaction when there is one (an atomic idempotent request's): a second
    // connection taken while it holds one could wait on an exhausted pool (503 after the
    // connect timeout, for a new user's first keyed write in a burst).
    const reader = currentTransaction() ?? this.dataSource.manager;
    const existing = await this.store.personalTenantId(reader, userId);
    if (existing) return existing;
    const id = await runInTransaction(this.dataSource, async (m) => {
      const slug = personalSlug(userId);
      const created = await this.store.insertPersonal(m, userId, slug);
      if (created) {
        await this.events.publish('tenancy.tenant_created', { tenant_id: created, slug, personal: true, by_user_id: userId });
        await this.events.publish('tenancy.member_added', {
          tenant_id: created,
          user_id: userId,
          role: 'owner',
          by_user_id: userId,
        });
      }
      return created;
    });
    const found = id ?? (await this.store.personalTenantId(reader, userId));
    if (!found) throw TenancyError.tenantNotFound();
    return found;
  }
}
