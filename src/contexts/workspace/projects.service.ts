import { Injectable } from '@nestjs/common';
import { EventBus } from '../../platform/events';
import type { Page } from '../../platform/http/pagination';
import { inTenant } from '../../platform/database/tenant-scope';
import { type TenantCaller, TenantScopes } from '../tenancy';
import { planProjectPatch, type ProjectFields, type ProjectStatus } from './domain/project';
import { WorkspaceError } from './domain/workspace.errors';
import { type ListTable, listPage } from './infra/list-page';
import { findInTenant, lockForChange, type OwnedResource } from './infra/list-query';
import { ProjectEntity } from './infra/project.entity';
import { projectsOfTenant } from './workspace.tenant-usage';

export interface ProjectView {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  status: ProjectStatus;
  owner_id: string;
  created_at: string;
  updated_at: string;
}

export interface ProjectListFilter {
  q?: string;
  status?: ProjectStatus;
  owner_id?: string;
}

export function toProjectView(p: ProjectEntity): ProjectView {
  return {
    id: p.id,
    tenant_id: p.tenantId,
    name: p.name,
    description: p.description,
    status: p.status,
    owner_id: p.ownerId,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

const PROJECT_LIST: ListTable<ProjectView> = {
  table: 'projects',
  columns: ['id', 'tenant_id', 'name', 'description', 'status', 'owner_id', 'created_at', 'updated_at'],
  filterable: ['name', 'status', 'owner_id'],
  toView: (row) => ({
    id: row.id as string,
    tenant_id: row.tenant_id as string,
    name: row.name as string,
    description: row.description as string,
    status: row.status as ProjectStatus,
    owner_id: row.owner_id as string,
    created_at: (row.created_at as Date).toISOString(),
    updated_at: (row.updated_at as Date).toISOString(),
  }),
};

const PROJECTS: OwnedResource<ProjectEntity, ProjectView> = {
  entity: ProjectEntity,
  resource: 'project',
  ownerOf: (p) => p.ownerId,
  toView: toProjectView,
};

/** A tenant's projects: every member reads them, members change their own, admins and owners all. */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly tenants: TenantScopes,
    private readonly events: EventBus,
  ) {}

  /** The hottest list: hand-written and prepared (`listPage`), the same statements TypeORM would send. */
  list(caller: TenantCaller, filter: ProjectListFilter, page: { page: number; page_size: number }): Promise<Page<ProjectView>> {
    return this.tenants.run(caller, ({ manager }) =>
      listPage(
        manager,
        PROJECT_LIST,
        { text: { column: 'name', value: filter.q }, equals: { status: filter.status, owner_id: filter.owner_id } },
        page,
      ),
    );
  }

  get(caller: TenantCaller, id: string): Promise<ProjectView> {
    return this.tenants.run(caller, async ({ manager }) => {
      const project = await findInTenant(manager, ProjectEntity, id);
      if (!project) throw WorkspaceError.notFound('project');
      return toProjectView(project);
    });
  }

  /** Creates a project owned by the caller, within the tenant's `max_projects` (403 quota_exceeded, atomically). */
  create(caller: TenantCaller, input: { name: string; description?: string; status?: ProjectStatus }): Promise<ProjectView> {
    return this.tenants.run(caller, async ({ manager, actor, withinQuota }) => {
      await withinQuota('max_projects', 1, () => projectsOfTenant(manager));
      const saved = await manager.save(
        manager.create(
          ProjectEntity,
          inTenant({
            name: input.name,
            description: input.description ?? '',
            status: input.status ?? 'active',
            ownerId: actor.id,
          }),
        ),
      );
      await this.events.publish('workspace.project_created', {
        project_id: saved.id,
        tenant_id: saved.tenantId,
        owner_id: saved.ownerId,
        by_user_id: actor.id,
      });
      return toProjectView(saved);
    });
  }

  /**
   * Changes the given fields. With `ifMatch`, only if the project's current representation
   * still has that strong ETag (else 412); the row is locked from the check to the write.
   */
  update(caller: TenantCaller, id: string, patch: Partial<ProjectFields>, ifMatch?: string): Promise<ProjectView> {
    // The change and its audit record commit together (the event is published inside the transaction).
    return this.tenants.run(caller, async ({ manager: m, actor }) => {
      const { row, before } = await lockForChange(m, PROJECTS, id, actor, ifMatch);
      const changes = planProjectPatch(row, patch);
      const fields = Object.keys(changes);
      if (fields.length === 0) return before;
      await m.update(ProjectEntity, { id }, { ...changes, updatedAt: () => 'clock_timestamp()' });
      const view = toProjectView((await findInTenant(m, ProjectEntity, id)) as ProjectEntity);
      await this.events.publish('workspace.project_updated', {
        project_id: id,
        tenant_id: view.tenant_id,
        owner_id: view.owner_id,
        by_user_id: actor.id,
        fields,
      });
      return view;
    });
  }

  /** Deletes the project; with `ifMatch`, only if it is unchanged since that ETag (else 412). */
  async remove(caller: TenantCaller, id: string, ifMatch?: string): Promise<void> {
    await this.tenants.run(caller, async ({ manager: m, actor }) => {
      const { row } = await lockForChange(m, PROJECTS, id, actor, ifMatch);
      await m.delete(ProjectEntity, { id });
      await this.events.publish('workspace.project_deleted', {
        project_id: id,
        tenant_id: row.tenantId,
        owner_id: row.ownerId,
        by_user_id: actor.id,
      });
    });
  }
}
