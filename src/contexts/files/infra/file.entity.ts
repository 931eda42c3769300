import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { ScanStatus } from '../domain/scan';

/** PostgreSQL returns bigint as a string; sizes stay far below 2^53. */
const bigintAsNumber = { to: (value: number): number => value, from: (value: string | null): number => Number(value) };

/**
 * One stored file's metadata; the bytes are in `FileStorage` under the same id. In exact
 * agreement with `migrations/*-Files.ts` (index directions there are DESC).
 */
@Entity({ name: 'files' })
@Index('ix_files_tenant_created', ['tenantId', 'createdAt', 'id'])
@Index('ix_files_tenant_owner_created', ['tenantId', 'ownerId', 'createdAt', 'id'])
@Index('ix_files_owner_created', ['ownerId', 'createdAt', 'id'])
@Check('ck_files_scan_status', `"scan_status" IN ('clean', 'not_scanned', 'scan_failed')`)
@Check('ck_files_size', `"size" > 0`)
@Check('ck_files_sha256', `"sha256" ~ '^[0-9a-f]{64}$'`)
export class FileEntity {
  /** Chosen by the service before the bytes are stored, so blob and row share it. */
  @PrimaryColumn('uuid')
  id: string;

  /** The tenant it belongs to (row-level security: docs/tenancy.md, "Isolation"). */
  @Column('uuid')
  @ForeignKey('tenants', { name: 'fk_files_tenant', onDelete: 'CASCADE' })
  tenantId: string;

  @Column('uuid')
  @ForeignKey('users', { name: 'fk_files_owner', onDelete: 'CASCADE' })
  ownerId: string;

  /** The client's name, sanitised; metadata only. */
  @Column({ type: 'varchar', length: 255 })
  filename: string;

  /** Detected from the bytes, never the client's declaration. */
  @Column({ type: 'varchar', length: 127 })
  contentType: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  size: number;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column({ type: 'varchar', length: 16 })
  scanStatus: ScanStatus;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
