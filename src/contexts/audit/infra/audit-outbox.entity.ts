import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AuditDraft } from '../domain/audit-record';

/**
 * An audited fact not yet on the hash chain (see `AuditDrainer`). Written in the transaction
 * of the change it records; deleted in the statement that appends it to `audit_events`.
 * Kept in exact agreement with `migrations/*-AuditOutbox.ts`.
 */
@Entity({ name: 'audit_outbox' })
export class AuditOutboxEntity {
  /** Drain order; bigint, so the driver hands it over as a string. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'PK_audit_outbox' })
  id: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** The scrubbed row before it is sealed: no seq, no hashes. */
  @Column({ type: 'jsonb' })
  draft: AuditDraft;

  /** Drains this row failed on its own; at `MAX_DRAIN_ATTEMPTS` it is parked (left here, logged, counted). */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ type: 'varchar', length: 500, nullable: true })
  lastError: string | null;
}
