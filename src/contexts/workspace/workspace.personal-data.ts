import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type DataSubject, type ExportSections, type PersonalDataHolder, HoldsPersonalData } from '../../platform/personal-data';
import { toCommunityPostView } from './community-posts.service';
import { CommunityPostEntity } from './infra/community-post.entity';
import { ProjectEntity } from './infra/project.entity';
import { SupportTicketEntity } from './infra/support-ticket.entity';
import { toProjectView } from './projects.service';
import { toSupportTicketView } from './support-tickets.service';

/** A user's projects, support tickets and community posts: exported in full, deleted on erasure. */
@Injectable()
@HoldsPersonalData()
export class WorkspacePersonalData implements PersonalDataHolder {
  readonly name = 'workspace';

  constructor(private readonly dataSource: DataSource) {}

  async exportFor(subject: DataSubject): Promise<ExportSections> {
    const order = { createdAt: 'ASC', id: 'ASC' } as const;
    const [projects, tickets, posts] = await Promise.all([
      this.dataSource.getRepository(ProjectEntity).find({ where: { ownerId: subject.userId }, order }),
      this.dataSource.getRepository(SupportTicketEntity).find({ where: { ownerId: subject.userId }, order }),
      this.dataSource.getRepository(CommunityPostEntity).find({ where: { authorId: subject.userId }, order }),
    ]);
    return {
      projects: projects.map(toProjectView),
      support_tickets: tickets.map(toSupportTicketView),
      community_posts: posts.map(toCommunityPostView),
    };
  }

  async erase(subject: DataSubject, manager: EntityManager): Promise<number> {
    let erased = 0;
    for (const sql of [
      'DELETE FROM projects WHERE owner_id = $1',
      'DELETE FROM support_tickets WHERE owner_id = $1',
      'DELETE FROM community_posts WHERE author_id = $1',
    ]) {
      const [, count] = await manager.query<[unknown[], number]>(sql, [subject.userId]);
      erased += count;
    }
    return erased;
  }
}
