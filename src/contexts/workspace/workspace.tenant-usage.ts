import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { scopedQuery } from '../../platform/database/tenant-scope';
import { MeasuresTenantUsage, type TenantUsageMeter } from '../../platform/tenant-usage';
import { ProjectEntity } from './infra/project.entity';

/** The scope's tenant's projects (what `max_projects` limits). */
export const projectsOfTenant = (m: EntityManager): Promise<number> => scopedQuery(m, ProjectEntity, 'p').getCount();

/** A tenant's usage of the workspace: its projects. */
@Injectable()
@MeasuresTenantUsage()
export class WorkspaceTenantUsage implements TenantUsageMeter {
  async measure(manager: EntityManager): Promise<Record<string, number>> {
    return { projects: await projectsOfTenant(manager) };
  }
}
