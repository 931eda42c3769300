import type { Readable, Writable } from 'node:stream';
import type { ScanVerdict } from './scan';

/**
 * The ports of the files context: where blobs live and what scans them. Abstract classes, so
 * each is both the type and the injection token; adapters live in `infra/`.
 */

/**
 * An upload being received under its future id. Bytes go to `writable`; nothing is visible
 * under the id until `commit`, and `discard` leaves nothing behind.
 *
 * Local disk: a temp file in the same file system, renamed on commit. An S3-compatible
 * adapter: a local spool file (scanners read it) uploaded with one PutObject on commit (S3
 * objects appear whole or not at all), or a multipart upload completed on commit and aborted
 * on discard.
 */
export interface StagedBlob {
  readonly id: string;
  /** Where the upload's bytes are written; the caller ends it (or destroys it on failure). */
  readonly writable: Writable;
  /** A local file holding the staged bytes, when there is one (scanners can read it directly). */
  readonly localPath: string | undefined;
  /** The staged bytes, read back (after `writable` has finished). */
  openRead(): Readable;
  /** Makes the blob readable under its id, atomically. */
  commit(): Promise<void>;
  /** Throws the staged bytes away; safe to call more than once and after a failed write. */
  discard(): Promise<void>;
}

export interface StoredContent {
  stream: Readable;
  size: number;
}

export abstract class FileStorage {
  /** Starts receiving the blob that will be stored under `id` (a UUID chosen by the service). */
  abstract stage(id: string): Promise<StagedBlob>;

  /** The blob's bytes, or null when there is no blob under that id. */
  abstract open(id: string): Promise<StoredContent | null>;

  /** Removes the blob; removing a missing blob is not an error. */
  abstract delete(id: string): Promise<void>;

  /**
   * Removes staged uploads older than `olderThan` that no request finished (a crash between
   * stage and commit/discard); returns how many.
   */
  abstract sweepStaged(olderThan: Date): Promise<number>;
}

export interface ScanSubject {
  fileId: string;
  filename: string;
  size: number;
}

export abstract class MalwareScanner {
  /** Shown in logs and metrics: `logging`, `clamd`, ... */
  abstract readonly name: string;

  /** False for a scanner that only records (its `clean` means "not scanned"). */
  abstract readonly scans: boolean;

  /**
   * Scans a local file (path) or a stream of the bytes. Never throws: a scanner that cannot
   * give a verdict (down, timed out, protocol error) answers `{result: 'error'}`. A stream
   * given to it is consumed or destroyed.
   */
  abstract scan(input: Readable | string, subject: ScanSubject): Promise<ScanVerdict>;
}
