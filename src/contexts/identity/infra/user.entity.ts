import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-cased; unique. */
  @Index('ux_users_email', { unique: true })
  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  displayName: string | null;

  @Column({ type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ type: 'varchar', length: 20, default: 'user' })
  role: Role;

  @Column({ type: 'boolean', default: true })
  isActive: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  passwordChangedAt: Date | null;

  /** When the owner proved the address is theirs (a verification or email-change link); null: not yet. */
  @Column({ type: 'timestamptz', nullable: true })
  emailVerifiedAt: Date | null;

  /** When the account was closed (by its owner or an admin); null: open. */
  @Column({ type: 'timestamptz', nullable: true })
  deletionRequestedAt: Date | null;

  /** When the erasure job may erase it (the end of the grace period); null: no deletion pending. */
  @Index('ix_users_deletion_due_at')
  @Column({ type: 'timestamptz', nullable: true })
  deletionDueAt: Date | null;

  /** Who closed it: the owner (their own id) or an admin; only the owner's own closing is cancelled by signing in. */
  @Column({ type: 'uuid', nullable: true })
  deletionRequestedBy: string | null;

  /** When its personal data was erased; the row stays, as the pseudonym the audit trail points at. */
  @Column({ type: 'timestamptz', nullable: true })
  erasedAt: Date | null;

  /** When an admin invited it; an invited account is inactive until the invitation is accepted. */
  @Column({ type: 'timestamptz', nullable: true })
  invitedAt: Date | null;
}
