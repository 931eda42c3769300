import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type Repository } from 'typeorm';
import { EventBus } from '../../platform/events';
import { type Page, pageOf } from '../../platform/http/pagination';
import { ONE_STATEMENT } from '../../platform/database/one-statement';
import type { Actor } from '../../platform/ownership';
import { WorkspaceError } from './domain/workspace.errors';
import { CommunityPostEntity } from './infra/community-post.entity';
import { applyListCriteria } from './infra/list-query';

export interface CommunityPostView {
  id: string;
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
    title: p.title,
    body: p.body,
    author_id: p.authorId,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** Community posts: written by any user, readable by every authenticated user. */
@Injectable()
export class CommunityPostsService {
  constructor(
    @InjectRepository(CommunityPostEntity) private readonly posts: Repository<CommunityPostEntity>,
    private readonly events: EventBus,
  ) {}

  async list(filter: CommunityPostListFilter, page: { page: number; page_size: number }): Promise<Page<CommunityPostView>> {
    const qb = applyListCriteria(this.posts.createQueryBuilder('c'), 'c', {
      text: { column: 'title', value: filter.q },
      equals: { author_id: filter.author_id },
    });
    return pageOf(qb, page, toCommunityPostView);
  }

  async get(id: string): Promise<CommunityPostView> {
    const post = await this.posts.findOneBy({ id });
    if (!post) throw WorkspaceError.notFound('post');
    return toCommunityPostView(post);
  }

  async create(actor: Actor, input: { title: string; body: string }): Promise<CommunityPostView> {
    const saved = await this.posts.save(
      this.posts.create({ title: input.title, body: input.body, authorId: actor.id }),
      ONE_STATEMENT,
    );
    await this.events.publish('workspace.post_created', { post_id: saved.id, author_id: saved.authorId });
    return toCommunityPostView(saved);
  }
}
