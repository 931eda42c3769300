import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { TicketPriority, TicketStatus } from '../domain/ticket';

/** In exact agreement with `migrations/*-Workspace.ts` (index directions there are DESC). */
@Entity({ name: 'support_tickets' })
@Index('ix_support_tickets_owner_created', ['ownerId', 'createdAt', 'id'])
@Index('ix_support_tickets_status_created', ['status', 'createdAt', 'id'])
@Index('ix_support_tickets_created', ['createdAt', 'id'])
@Check('ck_support_tickets_status', `"status" IN ('open', 'in_progress', 'resolved', 'closed')`)
@Check('ck_support_tickets_priority', `"priority" IN ('low', 'normal', 'high', 'urgent')`)
export class SupportTicketEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

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
