import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { runAcrossTenants } from '../../platform/database/tenant-scope';
import { type DataSubject, type ExportSections, type PersonalDataHolder, HoldsPersonalData } from '../../platform/personal-data';
import { toCommunityPostView } from './community-posts.service';
import { CommunityPostEntity } from './infra/community-post.entity';
import { ProjectEntity } from './infra/project.entity';
import { SupportTicketEntity } from './infra/support-ticket.entity';
import { toProjectView } from './projects.service';
import { toSupportTicketView } from './support-tickets.service';

/**
 * A user's projects, support tickets and community posts, in every tenant: exported in full,
 * deleted on erasure. A deleted tenant's rows go by its foreign keys.
 */
@Injectable()
@HoldsPersonalData()
export class WorkspacePersonalData implements PersonalDataHolder {
  readonly name = 'workspace';

  constructor(private readonly dataSource: DataSource) {}

  async exportFor(subject: DataSubject): Promise<ExportSections> {
    const order = { createdAt: 'ASC', id: 'ASC' } as const;
    // In every tenant: the export is about the user, wherever they wrote.
    const [projects, tickets, posts] = await runAcrossTenants(
      this.dataSource,
      async (m) =>
        [
          await m.find(ProjectEntity, { where: { ownerId: subject.userId }, order }),
          await m.find(SupportTicketEntity, { where: { ownerId: subject.userId }, order }),
          await m.find(CommunityPostEntity, { where: { authorId: subject.userId }, order }),
        ] as const,
    );
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
