import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

export const LOGIN_SOURCE_KINDS = ['ip', 'user_agent'] as const;
export type LoginSourceKind = (typeof LOGIN_SOURCE_KINDS)[number];

/**
 * Where a user has logged in from (IP, user agent), stored as SHA-256 hashes: enough to tell
 * a new source from a known one for suspicious-login telemetry, without keeping the values.
 */
@Entity({ name: 'login_sources' })
export class LoginSourceEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_login_sources' })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 16, primaryKeyConstraintName: 'PK_login_sources' })
  kind: LoginSourceKind;

  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: 'PK_login_sources' })
  valueHash: string;

  @Column({ type: 'timestamptz' })
  firstSeenAt: Date;

  @Column({ type: 'timestamptz' })
  lastSeenAt: Date;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_login_sources_user' })
  user?: UserEntity;
}
