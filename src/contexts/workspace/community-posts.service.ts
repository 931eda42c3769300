import { Injectable } from '@nestjs/common';
import { inTenant } from '../../platform/database/tenant-scope';
import { EventBus } from '../../platform/events';
import { type Page, pageOf } from '../../platform/http/pagination';
import { type TenantCaller, TenantScopes } from '../tenancy';
import { WorkspaceError } from './domain/workspace.errors';
import { CommunityPostEntity } from './infra/community-post.entity';
import { findInTenant, listQuery } from './infra/list-query';

export interface CommunityPostView {
  id: string;
  tenant_id: string;
  title: string;
  body: string;
  author_id: string;
  created_at: string;
  updated_at: string;
}

export interface CommunityPostListFilter {
  q?: string;
  author_id?: string;
}

export function toCommunityPostView(p: CommunityPostEntity): CommunityPostView {
  return {
    id: p.id,
    tenant_id: p.tenantId,
    title: p.title,
    body: p.body,
    author_id: p.authorId,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** A tenant's community posts: written and read by its members. */
@Injectable()
export class CommunityPostsService {
  constructor(
    private readonly tenants: TenantScopes,
    private readonly events: EventBus,
  ) {}

  list(
    caller: TenantCaller,
    filter: CommunityPostListFilter,
    page: { page: number; page_size: number },
  ): Promise<Page<CommunityPostView>> {
    return this.tenants.run(caller, ({ manager }) =>
      pageOf(
        listQuery(manager, CommunityPostEntity, 'c', {
          text: { column: 'title', value: filter.q },
          equals: { author_id: filter.author_id },
        }),
        page,
        toCommunityPostView,
      ),
    );
  }

  get(caller: TenantCaller, id: string): Promise<CommunityPostView> {
    return this.tenants.run(caller, async ({ manager }) => {
      const post = await findInTenant(manager, CommunityPostEntity, id);
      if (!post) throw WorkspaceError.notFound('post');
      return toCommunityPostView(post);
    });
  }

  create(caller: TenantCaller, input: { title: string; body: string }): Promise<CommunityPostView> {
    return this.tenants.run(caller, async ({ manager, actor }) => {
      const saved = await manager.save(
        manager.create(CommunityPostEntity, inTenant({ title: input.title, body: input.body, authorId: actor.id })),
      );
      await this.events.publish('workspace.post_created', {
        post_id: saved.id,
        tenant_id: saved.tenantId,
        author_id: saved.authorId,
        by_user_id: actor.id,
      });
      return toCommunityPostView(saved);
    });
  }
}
