import { ARCHIVE_FILE_PATTERN, archiveFileName, archivablePrefix, retentionCutoff } from './retention';

const at = (iso: string) => ({ occurred_at: iso });

describe('retentionCutoff', () => {
  it('is now minus the retention period in whole days', () => {
    expect(retentionCutoff(new Date('2026-11-22T03:00:00.000Z'), 365).toISOString()).toBe('2025-11-22T03:00:00.000Z');
    expect(retentionCutoff(new Date('2026-11-22T03:00:00.000Z'), 1).toISOString()).toBe('2026-11-21T03:00:00.000Z');
  });
});

describe('archivablePrefix', () => {
  const cutoff = new Date('2026-01-01T00:00:00.000Z');

  it('takes every row when all are older than the cutoff', () => {
    expect(archivablePrefix([at('2025-01-01T00:00:00Z'), at('2025-06-01T00:00:00Z')], cutoff)).toBe(2);
  });

  it('stops at the first row that is not old enough, keeping the cutoff instant itself', () => {
    expect(
      archivablePrefix([at('2025-12-31T23:59:59.999Z'), at('2026-01-01T00:00:00.000Z'), at('2025-01-01T00:00:00Z')], cutoff),
    ).toBe(1);
  });

  it('never takes a row out of the middle of the chain, even if a later one is old (clock skew)', () => {
    expect(archivablePrefix([at('2025-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'), at('2025-01-02T00:00:00Z')], cutoff)).toBe(
      1,
    );
  });

  it('takes nothing from an empty run or a run that starts young', () => {
    expect(archivablePrefix([], cutoff)).toBe(0);
    expect(archivablePrefix([at('2026-05-01T00:00:00Z')], cutoff)).toBe(0);
  });
});

describe('archiveFileName', () => {
  it('zero-pads the seq range so names sort in chain order', () => {
    expect(archiveFileName(1, 500)).toBe('audit-events-000000000001-000000000500.jsonl.gz');
    const names = [archiveFileName(10_001, 20_000), archiveFileName(1, 10_000), archiveFileName(20_001, 20_005)].sort();
    expect(names.map((n) => ARCHIVE_FILE_PATTERN.exec(n)?.[1])).toEqual(['000000000001', '000000010001', '000000020001']);
  });
});
