import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ProjectStatus } from '../domain/project';

/** In exact agreement with `migrations/*-Workspace.ts` and `*-TenantOwnedData.ts` (index directions there are DESC). */
@Entity({ name: 'projects' })
@Index('ix_projects_tenant_created', ['tenantId', 'createdAt', 'id'])
@Index('ix_projects_tenant_owner_created', ['tenantId', 'ownerId', 'createdAt', 'id'])
@Index('ix_projects_owner_created', ['ownerId', 'createdAt', 'id'])
@Check('ck_projects_status', `"status" IN ('active', 'archived')`)
export class ProjectEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The tenant it belongs to (row-level security: docs/tenancy.md, "Isolation"). */
  @Column('uuid')
  @ForeignKey('tenants', { name: 'fk_projects_tenant', onDelete: 'CASCADE' })
  tenantId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 5000, default: '' })
  description: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: ProjectStatus;

  @Column('uuid')
  @ForeignKey('users', { name: 'fk_projects_owner', onDelete: 'CASCADE' })
  ownerId: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
