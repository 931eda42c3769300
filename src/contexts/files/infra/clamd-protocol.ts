import type { ScanVerdict } from '../domain/scan';

/**
 * The clamd INSTREAM protocol (clamd(8)): the client sends `zINSTREAM\0`, then the data as
 * chunks each prefixed with its length as a 4-byte big-endian unsigned integer, then a
 * zero-length chunk. clamd answers one NUL-terminated line (the `z` prefix asks for NUL
 * terminators) and closes:
 *
 *   stream: OK
 *   stream: Eicar-Test-Signature FOUND
 *   INSTREAM size limit exceeded. ERROR
 */
export const INSTREAM_COMMAND = Buffer.from('zINSTREAM\0', 'latin1');
export const END_OF_STREAM = Buffer.alloc(4);

/** clamd's default StreamMaxLength is 25 MiB; chunks are far smaller than its limits. */
export const MAX_CHUNK_BYTES = 64 * 1024;

export function chunkHeader(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length, 0);
  return header;
}

/** Longest signature name passed on (clamd's are well under it). */
const MAX_SIGNATURE_LENGTH = 200;

/** The verdict in one clamd reply line (terminator and surrounding blanks ignored). */
export function parseClamdReply(raw: string): ScanVerdict {
  const line = raw.replace(/\0/g, '').trim();
  // `stream: OK`, or `<session id>: stream: OK` from a clamd session; the verdict follows the last label.
  const verdict = line.replace(/^(?:\d+:\s*)?[^:\s]+:\s*/, '');
  if (verdict === 'OK') return { result: 'clean' };
  const found = /^(.+?)\s+FOUND$/.exec(verdict);
  if (found) {
    const signature = found[1].replace(/[^\x20-\x7e]/g, '').slice(0, MAX_SIGNATURE_LENGTH);
    return { result: 'infected', signature: signature || 'unknown' };
  }
  if (line.endsWith('ERROR')) return { result: 'error', reason: `clamd: ${line.slice(0, 200)}` };
  return { result: 'error', reason: `clamd: unexpected reply ${JSON.stringify(line.slice(0, 200))}` };
}
