import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { EventBus } from '../../platform/events';
import { type Page, pageOf } from '../../platform/http/pagination';
import { ONE_STATEMENT } from '../../platform/database/one-statement';
import { runInTransaction } from '../../platform/database/transaction-context';
import { type Actor, canAccess, listOwnerScope } from '../../platform/ownership';
import { planProjectPatch, type ProjectFields, type ProjectStatus } from './domain/project';
import { WorkspaceError } from './domain/workspace.errors';
import { applyListCriteria, lockForChange, type OwnedResource } from './infra/list-query';
import { ProjectEntity } from './infra/project.entity';

export interface ProjectView {
  id: string;
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
    name: p.name,
    description: p.description,
    status: p.status,
    owner_id: p.ownerId,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

const PROJECTS: OwnedResource<ProjectEntity, ProjectView> = { entity: ProjectEntity, resource: 'project', toView: toProjectView };

/** Projects: each user's own; admins see and change all. */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(ProjectEntity) private readonly projects: Repository<ProjectEntity>,
    private readonly events: EventBus,
  ) {}

  async list(actor: Actor, filter: ProjectListFilter, page: { page: number; page_size: number }): Promise<Page<ProjectView>> {
    const qb = applyListCriteria(this.projects.createQueryBuilder('p'), 'p', {
      owner: { column: 'owner_id', scope: listOwnerScope(actor, filter.owner_id) },
      text: { column: 'name', value: filter.q },
      equals: { status: filter.status },
    });
    return pageOf(qb, page, toProjectView);
  }

  async get(actor: Actor, id: string): Promise<ProjectView> {
    const project = await this.projects.findOneBy({ id });
    if (!project || !canAccess(actor, project.ownerId)) throw WorkspaceError.notFound('project');
    return toProjectView(project);
  }

  async create(actor: Actor, input: { name: string; description?: string; status?: ProjectStatus }): Promise<ProjectView> {
    const saved = await this.projects.save(
      this.projects.create({
        name: input.name,
        description: input.description ?? '',
        status: input.status ?? 'active',
        ownerId: actor.id,
      }),
      ONE_STATEMENT,
    );
    await this.events.publish('workspace.project_created', {
      project_id: saved.id,
      owner_id: saved.ownerId,
      by_user_id: actor.id,
    });
    return toProjectView(saved);
  }

  /**
   * Changes the given fields. With `ifMatch`, only if the project's current representation
   * still has that strong ETag (else 412); the row is locked from the check to the write.
   */
  async update(actor: Actor, id: string, patch: Partial<ProjectFields>, ifMatch?: string): Promise<ProjectView> {
    // The change and its audit record commit together (the event is published inside the transaction).
    return runInTransaction(this.dataSource, async (m) => {
      const { row, before } = await lockForChange(m, PROJECTS, id, actor, ifMatch);
      const changes = planProjectPatch(row, patch);
      const fields = Object.keys(changes);
      if (fields.length === 0) return before;
      await m.update(ProjectEntity, { id }, { ...changes, updatedAt: () => 'clock_timestamp()' });
      const view = toProjectView(await m.findOneByOrFail(ProjectEntity, { id }));
      await this.events.publish('workspace.project_updated', {
        project_id: id,
        owner_id: view.owner_id,
        by_user_id: actor.id,
        fields,
      });
      return view;
    });
  }

  /** Deletes the project; with `ifMatch`, only if it is unchanged since that ETag (else 412). */
  async remove(actor: Actor, id: string, ifMatch?: string): Promise<void> {
    await runInTransaction(this.dataSource, async (m) => {
      const { row } = await lockForChange(m, PROJECTS, id, actor, ifMatch);
      await m.delete(ProjectEntity, { id });
      await this.events.publish('workspace.project_deleted', { project_id: id, owner_id: row.ownerId, by_user_id: actor.id });
    });
  }
}
