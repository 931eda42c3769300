import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { TicketPriority, TicketStatus } from '../domain/ticket';

/** In exact agreement with `migrations/*-Workspace.ts` and `*-TenantOwnedData.ts` (index directions there are DESC). */
@Entity({ name: 'support_tickets' })
@Index('ix_support_tickets_tenant_created', ['tenantId', 'createdAt', 'id'])
@Index('ix_support_tickets_tenant_owner_created', ['tenantId', 'ownerId', 'createdAt', 'id'])
@Index('ix_support_tickets_tenant_status_created', ['tenantId', 'status', 'createdAt', 'id'])
@Index('ix_support_tickets_owner_created', ['ownerId', 'createdAt', 'id'])
@Check('ck_support_tickets_status', `"status" IN ('open', 'in_progress', 'resolved', 'closed')`)
@Check('ck_support_tickets_priority', `"priority" IN ('low', 'normal', 'high', 'urgent')`)
export class SupportTicketEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The tenant it belongs to (row-level security: docs/tenancy.md, "Isolation"). */
  @Column('uuid')
  @ForeignKey('tenants', { name: 'fk_support_tickets_tenant', onDelete: 'CASCADE' })
  tenantId: string;

  @Column({ type: 'varchar', length: 200 })
  subject: string;

  @Column({ type: 'varchar', length: 10000 })
  body: string;

  @Column({ type: 'varchar', length: 16, default: 'open' })
  status: TicketStatus;

  @Column({ type: 'varchar', length: 16, default: 'normal' })
  priority: TicketPriority;

  @Column('uuid')
  @ForeignKey('users', { name: 'fk_support_tickets_owner', onDelete: 'CASCADE' })
  ownerId: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
