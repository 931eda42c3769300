/**
 * Retention rules. Rows leave the table only as a prefix of the chain, so what remains is
 * still one chain, starting at the anchor (the last archived row's seq and hash).
 */
const DAY_MS = 86_400_000;

/** Rows that occurred before this instant are due for archiving. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/**
 * How many rows, from the start of a run in seq order, may be archived: those before the
 * first row that is not old enough. Conservative on purpose: a row written by an instance
 * whose clock ran behind stays until everything before it is due, rather than being taken
 * out of the middle of the chain.
 */
export function archivablePrefix(rows: readonly { occurred_at: string }[], cutoff: Date): number {
  const limit = cutoff.getTime();
  const index = rows.findIndex((row) => Date.parse(row.occurred_at) >= limit);
  return index === -1 ? rows.length : index;
}

/** `audit-events-000000000001-000000000500.jsonl.gz`: sorts by name in chain order. */
export function archiveFileName(firstSeq: number, lastSeq: number): string {
  const pad = (n: number) => String(n).padStart(12, '0');
  return `audit-events-${pad(firstSeq)}-${pad(lastSeq)}.jsonl.gz`;
}

export const ARCHIVE_FILE_PATTERN = /^audit-events-(\d{12})-(\d{12})\.jsonl\.gz$/;
