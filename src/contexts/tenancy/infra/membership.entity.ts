import { Check, CreateDateColumn, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { TenantRole } from '../domain/roles';
import { TenantEntity } from './tenant.entity';

/** A user's role in a tenant. In exact agreement with `migrations/*-Tenancy.ts`. */
@Entity({ name: 'memberships' })
@Index('ix_memberships_user', ['userId'])
@Check('ck_memberships_role', `"role" IN ('owner', 'admin', 'member')`)
export class MembershipEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_memberships' })
  @ForeignKey(() => TenantEntity, { name: 'fk_memberships_tenant', onDelete: 'CASCADE' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_memberships' })
  @ForeignKey('users', { name: 'fk_memberships_user', onDelete: 'CASCADE' })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  role: TenantRole;

  /** When the user joined (`joined_at` on the wire). */
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
