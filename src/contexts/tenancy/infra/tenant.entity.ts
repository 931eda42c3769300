import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { TenantStatus } from '../domain/tenant';

/** In exact agreement with `migrations/*-Tenancy.ts` (index directions there are DESC). */
@Entity({ name: 'tenants' })
@Index('ux_tenants_slug', ['slug'], { unique: true })
@Index('ux_tenants_personal_owner', ['personalOwnerId'], { unique: true })
@Index('ix_tenants_created', ['createdAt', 'id'])
@Check('ck_tenants_status', `"status" IN ('active', 'suspended')`)
@Check('ck_tenants_slug', `"slug" ~ '^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$'`)
export class TenantEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_tenants' })
  id: string;

  @Column({ type: 'varchar', length: 63 })
  slug: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: TenantStatus;

  /** The user whose personal tenant this is; null for a shared tenant. */
  @Column({ type: 'uuid', nullable: true })
  @ForeignKey('users', { name: 'fk_tenants_personal_owner', onDelete: 'CASCADE' })
  personalOwnerId: string | null;

  /** `TenantSettings`, possibly partial (`settingsOf` fills the defaults). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  settings: Record<string, unknown>;

  /** `TenantQuotas`, possibly partial (`quotasOf`: unset is unlimited). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  quotas: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
