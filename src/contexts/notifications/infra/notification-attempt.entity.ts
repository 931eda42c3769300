import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AttemptStatus } from '../domain/delivery';

/** One delivery attempt of one notification, as it ended. In agreement with `migrations/*-Notifications.ts`. */
@Entity({ name: 'notification_attempts' })
@Index('ux_notification_attempts_notification_attempt', ['notificationId', 'attempt'], { unique: true })
@Check('ck_notification_attempts_status', `"status" IN ('sent', 'failed', 'abandoned')`)
export class NotificationAttemptEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  @ForeignKey('notifications', { name: 'fk_notification_attempts_notification', onDelete: 'CASCADE' })
  notificationId: string;

  /** 1-based. */
  @Column({ type: 'smallint' })
  attempt: number;

  /** `abandoned`: the instance that claimed it stopped before reporting (its lease expired). */
  @Column({ type: 'varchar', length: 16 })
  status: AttemptStatus;

  /** For a failure: whether it was worth retrying. */
  @Column({ type: 'boolean', nullable: true })
  retryable: boolean | null;

  /** Short cause (`smtp_451`, `http_503`, `timeout`, ...). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  errorCode: string | null;

  /** The provider's error text, recipient masked. */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  error: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerMessageId: string | null;

  @Column({ type: 'varchar', length: 128 })
  instanceId: string;

  /** When the provider call started; null for an abandoned attempt. */
  @Column({ type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  /** How long the provider call took; null for an abandoned attempt. */
  @Column({ type: 'integer', nullable: true })
  durationMs: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
