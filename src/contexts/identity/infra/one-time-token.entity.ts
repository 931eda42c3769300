import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { TokenPurpose } from '../domain/one-time-token';
import { UserEntity } from './user.entity';

/**
 * One-time tokens sent inside links (verify an address, reset a password, confirm a new
 * address, accept an invitation). Only a keyed hash of the token is stored; `used_at` marks
 * it spent (or voided by a newer token of the same purpose).
 */
@Entity({ name: 'one_time_tokens' })
@Index('ix_one_time_tokens_user_purpose', ['userId', 'purpose'])
@Index('ix_one_time_tokens_expires_at', ['expiresAt'])
export class OneTimeTokenEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_one_time_tokens' })
  id: string;

  @Column({ type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 20 })
  purpose: TokenPurpose;

  /** HMAC-SHA-256 (hex) of the token under the current token-hash key. */
  @Index('ux_one_time_tokens_token_hash', { unique: true })
  @Column({ type: 'char', length: 64 })
  tokenHash: string;

  /** For `change_email`: the address that becomes the account's when the token is used. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  newEmail: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_one_time_tokens_user' })
  user?: UserEntity;
}
