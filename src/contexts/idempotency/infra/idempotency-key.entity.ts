import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { IdempotencyStatus } from '../domain/decision';

/**
 * One idempotency key of one scope (caller, method, path). The scope is stored only as a
 * SHA-256, the request only as its fingerprint; the response is kept as it went out.
 */
@Entity({ name: 'idempotency_keys' })
@Index('ux_idempotency_keys_scope_key', ['scopeHash', 'key'], { unique: true })
export class IdempotencyKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'char', length: 64 })
  scopeHash: string;

  @Column({ type: 'varchar', length: 255 })
  key: string;

  /** SHA-256 of the canonical request (body and query). */
  @Column({ type: 'char', length: 64 })
  fingerprint: string;

  @Column({ type: 'varchar', length: 20, default: 'in_progress' })
  status: IdempotencyStatus;

  /** Identifies the attempt that holds (or last held) the key; a take-over replaces it. */
  @Column('uuid')
  lockToken: string;

  @Column({ type: 'timestamptz' })
  lockedAt: Date;

  @Column({ type: 'smallint', nullable: true })
  responseStatus: number | null;

  @Column({ type: 'jsonb', nullable: true })
  responseHeaders: Record<string, string> | null;

  /** The response body exactly as sent (serialised), or null when there was none. */
  @Column({ type: 'text', nullable: true })
  responseBody: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Index('ix_idempotency_keys_expires_at')
  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
