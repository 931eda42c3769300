import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { NotificationStatus } from '../domain/delivery';
import type { Channel } from '../domain/recipient';

/**
 * One message to one recipient over one channel: the durable queue and the delivery log.
 * Kept in exact agreement with `migrations/*-Notifications.ts` (the partial-index
 * conditions and DESC directions live there; TypeORM does not compare them).
 */
@Entity({ name: 'notifications' })
@Index('ux_notifications_dedupe_key', ['dedupeKey'], { unique: true })
@Index('ix_notifications_pending_due', ['nextAttemptAt'], { where: `"status" = 'pending'` })
@Index('ix_notifications_sending_lease', ['lockedUntil'], { where: `"status" = 'sending'` })
@Index('ix_notifications_user_created', ['userId', 'createdAt'])
@Index('ix_notifications_created', ['createdAt'])
@Check('ck_notifications_channel', `"channel" IN ('email', 'whatsapp')`)
@Check('ck_notifications_status', `"status" IN ('pending', 'sending', 'sent', 'failed')`)
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  channel: Channel;

  /** The address as given (email address or E.164 number); masked everywhere outside this table. */
  @Column({ type: 'varchar', length: 320 })
  recipient: string;

  @Column({ type: 'varchar', length: 64 })
  template: string;

  /** The template's data; the message is rendered from it at each attempt. */
  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  /** The account it concerns, when there is one; its notifications go when it goes. */
  @Column({ type: 'uuid', nullable: true })
  @ForeignKey('users', { name: 'fk_notifications_user', onDelete: 'CASCADE' })
  userId: string | null;

  /** Unique when set: enqueueing the same key again returns the first message. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  dedupeKey: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: NotificationStatus;

  /** Attempts started so far (a claim counts one up front). */
  @Column({ type: 'smallint', default: 0 })
  attempts: number;

  @Column({ type: 'smallint' })
  maxAttempts: number;

  /** When a `pending` message is due. */
  @Column({ type: 'timestamptz' })
  nextAttemptAt: Date;

  /** The lease of a `sending` message: after it, another instance may claim it. */
  @Column({ type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  /** Identifies the current claim; completing an attempt requires it to be unchanged. */
  @Column({ type: 'uuid', nullable: true })
  claimToken: string | null;

  /** The instance holding the claim. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  lockedBy: string | null;

  /** The last attempt's error (recipient masked). */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerMessageId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  failedAt: Date | null;
}
