import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '../identity';
import { TenancyModule } from '../tenancy';
import { CommunityPostsController } from './api/community-posts.controller';
import { ProjectsController } from './api/projects.controller';
import { SupportTicketsController } from './api/support-tickets.controller';
import { CommunityPostsService } from './community-posts.service';
import { CommunityPostEntity } from './infra/community-post.entity';
import { ProjectEntity } from './infra/project.entity';
import { SupportTicketEntity } from './infra/support-ticket.entity';
import { ProjectsService } from './projects.service';
import { SupportTicketsService } from './support-tickets.service';
import { WorkspacePersonalData } from './workspace.personal-data';
import { WorkspaceTenantUsage } from './workspace.tenant-usage';

/** Projects, support tickets and community posts, owned by tenants: the product's own REST API. */
@Module({
  imports: [TypeOrmModule.forFeature([ProjectEntity, SupportTicketEntity, CommunityPostEntity]), IdentityModule, TenancyModule],
  controllers: [ProjectsController, SupportTicketsController, CommunityPostsController],
  providers: [ProjectsService, SupportTicketsService, CommunityPostsService, WorkspacePersonalData, WorkspaceTenantUsage],
})
export class WorkspaceModule {}
