import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { type ServiceStatus } from '../domain/status-rollup';

/**
 * One posted status of one service; the page shows each service's latest. Kept in exact
 * agreement with `migrations/*-Status.ts` (the index directions there are DESC; TypeORM
 * cannot express them, and does not compare them).
 */
@Entity({ name: 'status_events' })
@Index('ix_status_events_service_created', ['service', 'createdAt'])
@Index('ix_status_events_created', ['createdAt', 'id'])
@Check(
  'ck_status_events_status',
  `"status" IN ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')`,
)
export class StatusEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  service: string;

  @Column({ type: 'varchar', length: 32 })
  status: ServiceStatus;

  @Column({ type: 'varchar', length: 2000 })
  message: string;

  /** The admin who posted it; kept (as null) when that account is deleted. */
  @Column({ type: 'uuid', nullable: true })
  @ForeignKey('users', { name: 'fk_status_events_created_by', onDelete: 'SET NULL' })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
