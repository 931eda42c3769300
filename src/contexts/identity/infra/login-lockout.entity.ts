import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Lockout state per login identity. Keyed by the SHA-256 of the normalised email, not by
 * user, so unknown emails lock exactly like registered ones and no plain address of a
 * stranger is stored. `user_id` is set when the email belongs to a user (admin unlock).
 */
@Entity({ name: 'login_lockouts' })
export class LoginLockoutEntity {
  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: 'PK_login_lockouts' })
  subjectHash: string;

  @Index('ix_login_lockouts_user_id')
  @Column({ type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ type: 'integer', default: 0 })
  failedCount: number;

  @Column({ type: 'integer', default: 0 })
  lockoutLevel: number;

  @Column({ type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Index('ix_login_lockouts_last_failed_at')
  @Column({ type: 'timestamptz', nullable: true })
  lastFailedAt: Date | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
