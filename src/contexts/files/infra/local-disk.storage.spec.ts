import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { text } from 'node:stream/consumers';
import { LocalDiskFileStorage } from './local-disk.storage';

/** Every regular file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('LocalDiskFileStorage', () => {
  let root: string;
  let storage: LocalDiskFileStorage;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bastion-storage-'));
    storage = new LocalDiskFileStorage(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function write(id: string, content: string) {
    const staged = await storage.stage(id);
    staged.writable.end(content);
    await finished(staged.writable);
    return staged;
  }

  it('stores a blob under its id only once committed, sharded by its first two hex digits', async () => {
    const id = randomUUID();
    const staged = await write(id, 'hello');
    expect(staged.localPath).toBeDefined();
    expect(readFileSync(staged.localPath!, 'utf8')).toBe('hello');
    expect(await storage.open(id)).toBeNull();
    await staged.commit();
    expect(filesUnder(root)).toEqual([join(id.slice(0, 2), id)]);
    const stored = await storage.open(id);
    expect(stored?.size).toBe(5);
    expect(await text(stored!.stream)).toBe('hello');
    expect(statSync(storage.pathOf(id)).mode & 0o777).toBe(0o640);
  });

  it('reads the staged bytes back before commit (for scanning)', async () => {
    const staged = await write(randomUUID(), 'scan me');
    expect(await text(staged.openRead())).toBe('scan me');
  });

  it('leaves nothing behind when discarded, even mid-write and twice', async () => {
    const staged = await storage.stage(randomUUID());
    staged.writable.write('partial');
    await staged.discard();
    await staged.discard();
    expect(filesUnder(root)).toEqual([]);
  });

  it('refuses a second commit', async () => {
    const staged = await write(randomUUID(), 'x');
    await staged.commit();
    await expect(staged.commit()).rejects.toThrow(/already/);
  });

  it('deletes a blob, and deleting a missing one is fine', async () => {
    const id = randomUUID();
    await (await write(id, 'x')).commit();
    await storage.delete(id);
    expect(existsSync(storage.pathOf(id))).toBe(false);
    await expect(storage.delete(id)).resolves.toBeUndefined();
    expect(await storage.open(id)).toBeNull();
  });

  it.each(['../../etc/passwd', 'not-a-uuid', '', `${randomUUID()}/../x`])('never turns %p into a path', async (id) => {
    await expect(storage.stage(id)).rejects.toThrow(/not a file id/);
    await expect(storage.open(id)).rejects.toThrow(/not a file id/);
    await expect(storage.delete(id)).rejects.toThrow(/not a file id/);
  });

  it('sweeps only staged uploads older than the cut-off', async () => {
    const old = await storage.stage(randomUUID());
    old.writable.end('old');
    await finished(old.writable);
    const fresh = await write(randomUUID(), 'fresh');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(old.localPath!, hourAgo, hourAgo);
    writeFileSync(join(root, '.incoming', 'unrelated.txt'), 'kept');
    expect(await storage.sweepStaged(new Date(Date.now() - 3600_000))).toBe(1);
    expect(existsSync(old.localPath!)).toBe(false);
    expect(existsSync(fresh.localPath!)).toBe(true);
    expect(existsSync(join(root, '.incoming', 'unrelated.txt'))).toBe(true);
  });

  it('sweeps nothing when nothing was ever staged', async () => {
    expect(await new LocalDiskFileStorage(join(root, 'never')).sweepStaged(new Date())).toBe(0);
  });
});
