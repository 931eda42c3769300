import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { knownTransports, type PasskeyTransport } from '../domain/passkey-transports';

/**
 * A user's passkey (a WebAuthn credential): its id as the authenticator gave it (base64url), its
 * COSE public key, the signature counter last seen, and what the user calls it. In exact
 * agreement with `migrations/*-Passkeys.ts`.
 */
@Entity({ name: 'passkeys' })
@Index('ix_passkeys_user', ['userId', 'createdAt'])
@Check('ck_passkeys_device_type', `"device_type" IN ('singleDevice', 'multiDevice')`)
export class PasskeyEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_passkeys' })
  id: string;

  @Column('uuid')
  @ForeignKey('users', { name: 'fk_passkeys_user', onDelete: 'CASCADE' })
  userId: string;

  /** The credential id (base64url), unique across every account. */
  @Index('ux_passkeys_credential_id', { unique: true })
  @Column({ type: 'varchar', length: 1366 })
  credentialId: string;

  /** The COSE-encoded public key. */
  @Column({ type: 'bytea' })
  publicKey: Buffer;

  /** The last signature counter seen (0: the authenticator keeps none). */
  @Column({
    type: 'bigint',
    default: 0,
    transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) },
  })
  counter: number;

  /** Known transport names only, on the way in and out (rows written before the filter included). */
  @Column({
    type: 'jsonb',
    default: () => `'[]'`,
    transformer: { to: (v: unknown) => (v === undefined ? v : knownTransports(v)), from: (v: unknown) => knownTransports(v) },
  })
  transports: PasskeyTransport[];

  @Column({ type: 'varchar', length: 16 })
  deviceType: 'singleDevice' | 'multiDevice';

  @Column({ type: 'boolean' })
  backedUp: boolean;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}

/**
 * What a challenge is for: adding a passkey, signing in with one (discoverable), a passkey as the
 * second factor after a password, re-authenticating a session; `mfa_token` is the password step's
 * ticket to ask for a second-factor challenge.
 */
export type Ceremony = 'registration' | 'authentication' | 'second_factor' | 'reauthentication' | 'mfa_token';

/**
 * A WebAuthn ceremony's challenge, waiting for its answer: single use (deleted when answered),
 * bound to its ceremony and, for registrations and second factors, to the user; any instance can
 * finish a ceremony another started.
 */
@Entity({ name: 'webauthn_challenges' })
@Index('ix_webauthn_challenges_expires_at', ['expiresAt'])
@Check(
  'ck_webauthn_challenges_ceremony',
  `"ceremony" IN ('registration', 'authentication', 'second_factor', 'reauthentication', 'mfa_token')`,
)
export class WebAuthnChallengeEntity {
  /** The challenge itself (base64url of 32 random bytes); for an `mfa_token`, the SHA-256 (base64url) of the token. */
  @Column({ type: 'varchar', length: 64, primary: true, primaryKeyConstraintName: 'PK_webauthn_challenges' })
  challenge: string;

  @Column({ type: 'varchar', length: 16 })
  ceremony: Ceremony;

  @Column({ type: 'uuid', nullable: true })
  @ForeignKey('users', { name: 'fk_webauthn_challenges_user', onDelete: 'CASCADE' })
  userId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
