import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** In exact agreement with `migrations/*-Workspace.ts` and `*-TenantOwnedData.ts` (index directions there are DESC). */
@Entity({ name: 'community_posts' })
@Index('ix_community_posts_tenant_created', ['tenantId', 'createdAt', 'id'])
@Index('ix_community_posts_tenant_author_created', ['tenantId', 'authorId', 'createdAt', 'id'])
@Index('ix_community_posts_author_created', ['authorId', 'createdAt', 'id'])
export class CommunityPostEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The tenant it belongs to (row-level security: docs/tenancy.md, "Isolation"). */
  @Column('uuid')
  @ForeignKey('tenants', { name: 'fk_community_posts_tenant', onDelete: 'CASCADE' })
  tenantId: string;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Column({ type: 'varchar', length: 20000 })
  body: string;

  @Column('uuid')
  @ForeignKey('users', { name: 'fk_community_posts_author', onDelete: 'CASCADE' })
  authorId: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
