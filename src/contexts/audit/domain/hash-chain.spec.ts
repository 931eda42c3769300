import { createHash } from 'node:crypto';
import {
  type AuditRow,
  type AuditRowContent,
  canonicalJson,
  chainHash,
  ChainVerifier,
  GENESIS,
  GENESIS_HASH,
  sealRow,
  verifyRows,
} from './hash-chain';

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function content(seq: number, extra: Partial<AuditRowContent> = {}): AuditRowContent {
  return {
    id: id(seq),
    seq,
    occurred_at: new Date(Date.UTC(2026, 10, 22, 12, 0, seq)).toISOString(),
    type: 'auth.login_failed',
    actor_id: null,
    actor_ip: '192.0.2.1',
    user_agent: 'test',
    subject_type: 'email',
    subject_id: 'x@example.com',
    outcome: 'failure',
    request_id: `req-${seq}`,
    metadata: { reason: 'wrong_password', n: seq },
    ...extra,
  };
}

/** A valid chain of `n` rows after `start`. */
function chain(n: number, start = GENESIS): AuditRow[] {
  const rows: AuditRow[] = [];
  let prev = start.hash;
  for (let seq = start.seq + 1; seq <= start.seq + n; seq++) {
    const row = sealRow(content(seq), prev);
    rows.push(row);
    prev = row.hash;
  }
  return rows;
}

const headOf = (rows: AuditRow[]) => ({ seq: rows[rows.length - 1].seq, hash: rows[rows.length - 1].hash });

describe('canonicalJson', () => {
  it('sorts keys at every level and adds no white space', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text whatever the key order (as jsonb hands it back)', () => {
    expect(canonicalJson({ x: 'é', y: [true, false] })).toBe(canonicalJson({ y: [true, false], x: 'é' }));
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ s: 'a"b\\c\n' })).toBe('{"s":"a\\"b\\\\c\\n"}');
  });
});

describe('chainHash', () => {
  it('is SHA-256 over the previous hash, a newline and the canonical content', () => {
    const row = content(1);
    const expected = createHash('sha256')
      .update(`${GENESIS_HASH}\n${canonicalJson({ ...row })}`)
      .digest('hex');
    expect(chainHash(GENESIS_HASH, row)).toBe(expected);
    expect(chainHash(GENESIS_HASH, row)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with any field and with the previous hash', () => {
    const base = chainHash(GENESIS_HASH, content(1));
    expect(chainHash('1'.repeat(64), content(1))).not.toBe(base);
    for (const change of [
      { type: 'auth.login_succeeded' },
      { actor_ip: '192.0.2.2' },
      { metadata: { reason: 'wrong_password', n: 2 } },
      { occurred_at: '2026-11-22T12:00:02.000Z' },
      { request_id: null },
      { seq: 2 },
    ]) {
      expect(chainHash(GENESIS_HASH, content(1, change as Partial<AuditRowContent>))).not.toBe(base);
    }
  });
});

describe('ChainVerifier', () => {
  it('accepts a valid chain from genesis, ending at the head', () => {
    const rows = chain(5);
    expect(verifyRows(rows, GENESIS, headOf(rows))).toMatchObject({ ok: true, verified: 5, problem: null });
  });

  it('accepts an empty chain whose head is its start', () => {
    expect(verifyRows([], GENESIS, GENESIS)).toMatchObject({ ok: true, verified: 0 });
    const anchor = { seq: 40, hash: 'a'.repeat(64) };
    expect(verifyRows([], anchor, anchor).ok).toBe(true);
  });

  it('accepts a chain that continues from a retention anchor', () => {
    const all = chain(10);
    const anchor = { seq: all[3].seq, hash: all[3].hash };
    expect(verifyRows(all.slice(4), anchor, headOf(all))).toMatchObject({ ok: true, verified: 6 });
  });

  it('names an altered row', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], metadata: { reason: 'tampered' } };
    expect(verifyRows(rows, GENESIS, headOf(rows)).problem).toEqual({
      kind: 'altered',
      seq: 3,
      id: id(3),
      message: expect.stringContaining(id(3)),
    });
  });

  it('names the next row, and the re-hashed one, when a row was altered and its hash recomputed', () => {
    const rows = chain(5);
    rows[2] = sealRow({ ...rows[2], actor_ip: '203.0.113.66' }, rows[2].prev_hash);
    const problem = verifyRows(rows, GENESIS, headOf(rows)).problem;
    expect(problem).toMatchObject({ kind: 'broken_link', seq: 4, id: id(4) });
    expect(problem?.message).toContain(id(3));
  });

  it('reports a row missing from the middle, with the first row after the gap', () => {
    const rows = chain(6);
    const head = headOf(rows);
    rows.splice(2, 2);
    expect(verifyRows(rows, GENESIS, head).problem).toMatchObject({ kind: 'missing', seq: 3, id: id(5) });
  });

  it('reports rows missing at the end (the head knows there were more)', () => {
    const rows = chain(6);
    const head = headOf(rows);
    expect(verifyRows(rows.slice(0, 4), GENESIS, head).problem).toMatchObject({ kind: 'missing', seq: 5, id: null });
  });

  it('reports a missing first row, and a chain that does not start at its anchor', () => {
    const rows = chain(3);
    expect(verifyRows(rows.slice(1), GENESIS, headOf(rows)).problem).toMatchObject({ kind: 'missing', seq: 1, id: id(2) });
    const wrongAnchor = { seq: 0, hash: 'f'.repeat(64) };
    expect(verifyRows(rows, wrongAnchor, headOf(rows)).problem).toMatchObject({ kind: 'broken_link', seq: 1 });
  });

  it('reports rows beyond the recorded head, a head that does not match, and a seq already passed', () => {
    const rows = chain(4);
    expect(verifyRows(rows, GENESIS, { seq: 3, hash: rows[2].hash }).problem).toMatchObject({ kind: 'unexpected', seq: 4 });
    expect(verifyRows(rows, GENESIS, { seq: 4, hash: 'b'.repeat(64) }).problem).toMatchObject({ kind: 'head_mismatch' });
    expect(verifyRows([rows[0], rows[1], rows[1]], GENESIS, headOf(rows)).problem).toMatchObject({ kind: 'unexpected', seq: 2 });
  });

  it('stops at the first problem and keeps reporting it', () => {
    const rows = chain(4);
    rows[1] = { ...rows[1], type: 'x.y' };
    rows[3] = { ...rows[3], type: 'x.y' };
    const verifier = new ChainVerifier();
    const problems = rows.map((row) => verifier.push(row));
    expect(problems[0]).toBeNull();
    expect(problems[1]).toMatchObject({ seq: 2 });
    expect(problems[3]).toBe(problems[1]);
    expect(verifier.finish(headOf(rows))).toBe(problems[1]);
    expect(verifier.verified).toBe(1);
    expect(verifier.position).toEqual({ seq: 1, hash: rows[0].hash });
  });
});
