import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { EICAR, EICAR_SIGNATURE, FakeClamd } from '../../../../test/support/fake-clamd';
import { ClamdMalwareScanner } from './clamd.scanner';

const subject = { fileId: '00000000-0000-4000-8000-000000000001', filename: 'x', size: 0 };
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ClamdMalwareScanner against a fake clamd speaking INSTREAM', () => {
  let clamd: FakeClamd;
  let dir: string;
  const scanner = (timeoutMs = 5000) => new ClamdMalwareScanner({ host: clamd.host, port: clamd.port, timeoutMs });

  beforeAll(async () => {
    Logger.overrideLogger(false);
    clamd = await FakeClamd.start();
    dir = mkdtempSync(join(tmpdir(), 'bastion-clamd-'));
  });
  afterAll(async () => {
    await clamd.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    clamd.mode = 'scan';
    clamd.scans.length = 0;
  });

  it('is a real scanner', () => {
    expect(scanner()).toMatchObject({ name: 'clamd', scans: true });
  });

  it('sends a file from disk and reports clean; clamd received exactly its bytes', async () => {
    const data = Buffer.alloc(300_000, 7);
    const path = join(dir, 'clean.bin');
    writeFileSync(path, data);
    await expect(scanner().scan(path, subject)).resolves.toEqual({ result: 'clean' });
    expect(clamd.scans).toEqual([{ command: 'INSTREAM', bytes: data.length, sha256: sha256(data), reply: 'stream: OK' }]);
  });

  it('sends a stream in chunks of at most 64 KiB and reports what was found', async () => {
    const data = Buffer.concat([Buffer.alloc(200_000, 1), Buffer.from(EICAR), Buffer.alloc(10, 2)]);
    const verdict = await scanner().scan(Readable.from([data.subarray(0, 150_000), data.subarray(150_000)]), subject);
    expect(verdict).toEqual({ result: 'infected', signature: EICAR_SIGNATURE });
    expect(clamd.scans[0]).toMatchObject({ bytes: data.length, sha256: sha256(data) });
  });

  it('scans an empty stream (just the terminator)', async () => {
    await expect(scanner().scan(Readable.from([]), subject)).resolves.toEqual({ result: 'clean' });
    expect(clamd.scans[0]).toMatchObject({ bytes: 0 });
  });

  it('reports clamd’s size-limit ERROR, answered while data is still being sent, as an error', async () => {
    clamd.streamMaxBytes = 100_000;
    try {
      const verdict = await scanner().scan(Readable.from([Buffer.alloc(2_000_000)]), subject);
      expect(verdict).toEqual({ result: 'error', reason: 'clamd: INSTREAM size limit exceeded. ERROR' });
    } finally {
      clamd.streamMaxBytes = 25 * 1024 * 1024;
    }
  });

  it('gives up on a clamd that never answers after the timeout, with an error verdict', async () => {
    clamd.mode = 'hang';
    await expect(scanner(200).scan(Readable.from([Buffer.from('x')]), subject)).resolves.toEqual({
      result: 'error',
      reason: 'clamd: no verdict within 200 ms',
    });
  });

  it('treats a reply that is not clamd’s as an error', async () => {
    clamd.mode = 'garbage';
    await expect(scanner().scan(Readable.from([Buffer.from('x')]), subject)).resolves.toEqual({
      result: 'error',
      reason: 'clamd: unexpected reply "hello there"',
    });
  });

  it('reports a refused connection as an error, never an exception', async () => {
    const down = new ClamdMalwareScanner({ host: '127.0.0.1', port: await closedPort(), timeoutMs: 5000 });
    const verdict = await down.scan(Readable.from([Buffer.from('x')]), subject);
    expect(verdict).toEqual({ result: 'error', reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('reports an unreadable input as an error', async () => {
    await expect(scanner().scan(join(dir, 'missing.bin'), subject)).resolves.toMatchObject({
      result: 'error',
      reason: expect.stringContaining('ENOENT'),
    });
  });
});
