import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * A user's TOTP factor. The secret is sealed with AES-256-GCM (`SecretBox`) under the key
 * named by `key_id`; `enabled_at` is null while enrolment awaits its first valid code.
 */
@Entity({ name: 'user_mfa' })
export class UserMfaEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_user_mfa' })
  userId: string;

  @Column({ type: 'text' })
  secretCiphertext: string;

  @Column({ type: 'varchar', length: 32 })
  keyId: string;

  @Column({ type: 'timestamptz', nullable: true })
  enabledAt: Date | null;

  /** The last accepted TOTP time step: codes of this step or earlier are refused (no replay). */
  @Column({
    type: 'bigint',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  lastTimeStep: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @OneToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_user_mfa_user' })
  user?: UserEntity;
}
