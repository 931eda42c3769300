import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserSessionEntity } from './user-session.entity';

/** One link of a session's refresh-token chain. Only the SHA-256 of the token is stored. */
@Entity({ name: 'refresh_tokens' })
@Index('ix_refresh_tokens_session', ['sessionId'])
export class RefreshTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  sessionId: string;

  @ManyToOne(() => UserSessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id' })
  session?: UserSessionEntity;

  @Index('ux_refresh_tokens_hash', { unique: true })
  @Column({ type: 'char', length: 64 })
  tokenHash: string;

  @Column({ type: 'uuid', nullable: true })
  parentId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** When this token was exchanged for its child; null while it is the current one. */
  @Column({ type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
