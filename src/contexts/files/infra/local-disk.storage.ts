import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FileStorage, type StagedBlob, type StoredContent } from '../domain/ports';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STAGING_DIR = '.incoming';

function assertId(id: string): void {
  // Ids are UUIDs the service generates; anything else must never become a path.
  if (!ID.test(id)) throw new Error(`not a file id: ${JSON.stringify(id)}`);
}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/** Makes a rename (or creation) in `dir` durable: the directory entry itself is flushed. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Blobs on local disk: `<dir>/<first two hex digits of the id>/<id>`, never under a client's
 * name. An upload is written to `<dir>/.incoming/<id>.<random>.part` (same file system), flushed
 * to disk (fsync) when it ends, and renamed into place on commit, so a blob is either there
 * complete or not at all; the shard directory is fsynced after the rename.
 */
export class LocalDiskFileStorage extends FileStorage {
  constructor(readonly root: string) {
    super();
  }

  pathOf(id: string): string {
    assertId(id);
    return join(this.root, id.slice(0, 2), id);
  }

  private get stagingDir(): string {
    return join(this.root, STAGING_DIR);
  }

  async stage(id: string): Promise<StagedBlob> {
    const target = this.pathOf(id);
    await mkdir(this.stagingDir, { recursive: true, mode: 0o750 });
    const temp = join(this.stagingDir, `${id}.${randomBytes(6).toString('hex')}.part`);
    // `flush`: fsync before close, so a committed blob survives a power cut with its bytes.
    const writable = createWriteStream(temp, { flags: 'wx', mode: 0o640, flush: true, highWaterMark: 1024 * 1024 });
    let settled = false;
    return {
      id,
      writable,
      localPath: temp,
      openRead: () => createReadStream(temp),
      commit: async () => {
        if (settled) throw new Error('staged blob already committed or discarded');
        settled = true;
        const shard = join(this.root, id.slice(0, 2));
        await mkdir(shard, { recursive: true, mode: 0o750 });
        await rename(temp, target);
        await syncDirectory(shard);
      },
      discard: async () => {
        settled = true;
        if (!writable.closed) {
          await new Promise<void>((done) => {
            writable.once('close', () => done());
            writable.destroy();
          });
        }
        await rm(temp, { force: true });
      },
    };
  }

  async open(id: string): Promise<StoredContent | null> {
    let handle;
    try {
      handle = await open(this.pathOf(id), 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      // The stream owns the handle from here and closes it when it ends or is destroyed.
      const stream: Readable = handle.createReadStream({ autoClose: true });
      return { stream, size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await unlink(this.pathOf(id));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  async sweepStaged(olderThan: Date): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.stagingDir);
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith('.part')) continue;
      const path = join(this.stagingDir, name);
      try {
        if ((await stat(path)).mtime < olderThan) {
          await unlink(path);
          removed++;
        }
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    return removed;
  }
}
