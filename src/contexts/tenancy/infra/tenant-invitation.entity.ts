import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TenantEntity } from './tenant.entity';

/**
 * An invitation to join a tenant, its token stored only as a hash (SHA-256, see
 * `domain/invitations.ts`). Its status is derived: accepted, revoked, expired or pending.
 * In exact agreement with `migrations/*-Tenancy.ts`.
 */
@Entity({ name: 'tenant_invitations' })
@Index('ux_tenant_invitations_token_hash', ['tokenHash'], { unique: true })
@Index('ix_tenant_invitations_tenant', ['tenantId'])
@Check('ck_tenant_invitations_role', `"role" IN ('admin', 'member')`)
export class TenantInvitationEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_tenant_invitations' })
  id: string;

  @Column('uuid')
  @ForeignKey(() => TenantEntity, { name: 'fk_tenant_invitations_tenant', onDelete: 'CASCADE' })
  tenantId: string;

  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ type: 'varchar', length: 16 })
  role: 'admin' | 'member';

  @Column({ type: 'char', length: 64 })
  tokenHash: string;

  @Column({ type: 'uuid', nullable: true })
  @ForeignKey('users', { name: 'fk_tenant_invitations_invited_by', onDelete: 'SET NULL' })
  invitedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  acceptedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
