import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'user_sessions' })
@Index('ix_user_sessions_user_created', ['userId', 'createdAt'])
export class UserSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  userId: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  lastUsedAt: Date;

  /**
   * When the session's user last proved who they are (sign-in, or `POST /auth/reauthenticate`):
   * the `auth_time` of its access tokens, which sensitive actions require to be recent.
   */
  @Column({ type: 'timestamptz', default: () => 'now()' })
  authenticatedAt: Date;

  /** Absolute end of the session (SESSION_MAX_LIFETIME after login). */
  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  revokedReason: string | null;
}
