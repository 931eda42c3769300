import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The chain's single bookkeeping row (id 1). `head_*`: the last appended row, locked by every
 * writer (`SELECT ... FOR UPDATE`) so appends from all instances form one chain. `anchor_*`:
 * the last row the retention job archived and deleted (seq 0 and 64 zeros before any), where
 * verification of the remaining rows starts.
 */
@Entity({ name: 'audit_chain' })
@Check('ck_audit_chain_single_row', `"id" = 1`)
export class AuditChainEntity {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  @Column({ type: 'bigint' })
  headSeq: string;

  @Column({ type: 'char', length: 64 })
  headHash: string;

  @Column({ type: 'bigint' })
  anchorSeq: string;

  @Column({ type: 'char', length: 64 })
  anchorHash: string;

  /** When the retention job last moved the anchor. */
  @Column({ type: 'timestamptz', nullable: true })
  anchoredAt: Date | null;

  /** The key of the e-mail pseudonyms in audit rows (64 hex), unless AUDIT_PSEUDONYM_KEY is set. */
  @Column({ type: 'char', length: 64, nullable: true })
  pseudonymKey: string | null;
}
