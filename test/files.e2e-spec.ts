import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { closeSync, openSync, readSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32, deflateSync } from 'node:zlib';
import type { LightMyRequestResponse } from 'fastify';
import { DataSource } from 'typeorm';
import { MalwareScanner } from '../src/contexts/files/testing';
import { Metrics } from '../src/platform/observability';
import { createTestApp, type TestApp, withTestApp } from './support/app';
import { bearer, loginPerson, person, type Person } from './support/auth';
import { captureEvents, type EventCapture } from './support/events';
import { EICAR, EICAR_SIGNATURE, FakeClamd } from './support/fake-clamd';
import { expectProblem } from './support/problem';
import { inTenant, personalTenantOf, sharedTenant } from './support/tenants';

const ADMIN_EMAIL = 'files.admin@example.com';
const ADMIN_PASSWORD = 'files-admin-passphrase-Gr4nite-Owl';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const MiB = 1024 * 1024;

interface Part {
  name: string;
  /** A file part when set; a plain field otherwise. */
  filename?: string;
  type?: string;
  body: Buffer | string;
}

type Payload = Record<string, unknown>;

/** A file's metadata as the API returns it. */
interface FileJson {
  id: string;
  tenant_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  scan_status: string;
  owner_id: string;
  created_at: string;
}

// ------------------------------------------------------------------------------- fixtures

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return pngChunk('IHDR', data);
}

/** A real, decodable PNG of random pixels (incompressible, so its size is about w*h*3). */
function randomPng(width: number, height: number): Buffer {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) randomBytes(width * 3).copy(rows, y * (width * 3 + 1) + 1);
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Exactly `size` bytes that open like a PNG (signature, IHDR, an IDAT header), then filler. */
function pngOfSize(size: number): Buffer {
  const head = Buffer.concat([PNG_SIGNATURE, ihdr(4096, 4096)]);
  const idat = Buffer.alloc(8);
  idat.writeUInt32BE(size - head.length - 12, 0);
  idat.write('IDAT', 4, 'latin1');
  const out = Buffer.alloc(size, 0x5a);
  Buffer.concat([head, idat]).copy(out);
  return out;
}

const PNG = randomPng(64, 48);
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0'),
  randomBytes(2000),
  Buffer.from([0xff, 0xd9]),
]);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n' +
    'trailer\n<< /Root 1 0 R >>\n%%EOF\n',
);
const TEXT = Buffer.from('Grüße aus Bastion 👋\nline two\ttabbed\r\n'.repeat(500));

/** The first 64 KiB of the Node binary running this test: a real ELF executable. */
function elfExecutable(): Buffer {
  const fd = openSync(process.execPath, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** A Windows PE's DOS header and stub. */
const EXE = Buffer.concat([
  Buffer.from('MZ'),
  Buffer.alloc(58),
  Buffer.from([0x80, 0, 0, 0]),
  Buffer.from('This program cannot be run in DOS mode.\r\n$'),
  Buffer.alloc(4000),
]);
const HTML = Buffer.from('<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n');

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

// ----------------------------------------------------------------------------- multipart

function multipart(parts: Part[], boundary = `----bastion${randomBytes(8).toString('hex')}`) {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.type) head += `Content-Type: ${part.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.isBuffer(part.body) ? part.body : Buffer.from(part.body), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('files: safe uploads and authorised download (e2e)', () => {
  let t: TestApp;
  let dir: string;
  let admin: Person;
  let alice: Person;
  let bob: Person;
  let published: EventCapture;

  const call = (app: TestApp, who: Person | null, method: 'GET' | 'DELETE', url: string, headers: Record<string, string> = {}) =>
    app.inject({ method, url: `/api/v1${url}`, headers: { ...(who ? bearer(who.tokens) : {}), ...headers } });

  const post = (app: TestApp, who: Person | null, parts: Part[], headers: Record<string, string> = {}) => {
    const form = multipart(parts);
    return app.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...(who ? bearer(who.tokens) : {}), ...form.headers, ...headers },
      payload: form.payload,
    });
  };

  const upload = (who: Person, filename: string, type: string | undefined, body: Buffer | string, app: TestApp = t) =>
    post(app, who, [{ name: 'file', filename, type, body }]);

  /** An upload into the tenant `tenantId` (X-Tenant-Id). */
  const uploadIn = (tenantId: string, who: Person, filename: string, type: string, body: Buffer | string) =>
    post(t, who, [{ name: 'file', filename, type, body }], inTenant(tenantId));

  async function created(response: Promise<LightMyRequestResponse>): Promise<FileJson> {
    const res = await response;
    if (res.statusCode !== 201) throw new Error(`expected 201, got ${res.statusCode}: ${res.body}`);
    return res.json();
  }

  /** Every regular file under a storage directory (blobs and staged uploads), relative. */
  function onDisk(root = dir): string[] {
    if (!existsSync(root)) return [];
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
      .sort();
  }

  const rows = async (app: TestApp = t): Promise<number> =>
    Number((await app.db.query<{ n: string }>('SELECT count(*) AS n FROM files'))[0].n);

  /** Runs a refused upload and checks that it left no blob, no staged file and no row. */
  async function refusedLeavingNothing(app: TestApp, root: string, fn: () => Promise<LightMyRequestResponse>) {
    const [filesBefore, rowsBefore] = [onDisk(root), await rows(app)];
    const res = await fn();
    expect(onDisk(root)).toEqual(filesBefore);
    expect(onDisk(root).filter((f) => f.startsWith('.incoming'))).toEqual([]);
    expect(await rows(app)).toBe(rowsBefore);
    return res;
  }

  /**
   * Uploads `first` followed by zero-filled 256 KiB chunks up to `total` bytes, produced lazily
   * and asynchronously like a network peer, so the test can see how much the server pulled.
   */
  async function streamedUpload(who: Person | null, filename: string, type: string, first: Buffer, total: number) {
    const boundary = 'streamed-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    );
    let pulled = 0;
    const body = new Readable({
      read() {
        setImmediate(() => {
          if (pulled === 0) {
            pulled = first.length;
            this.push(Buffer.concat([head, first]));
          } else if (pulled < total) {
            pulled += 256 * 1024;
            this.push(Buffer.alloc(256 * 1024));
          } else {
            this.push(Buffer.from(`\r\n--${boundary}--\r\n`));
            this.push(null);
          }
        });
      },
    });
    const res = await refusedLeavingNothing(t, dir, () =>
      t.inject({
        method: 'POST',
        url: '/api/v1/files',
        headers: { ...(who ? bearer(who.tokens) : {}), 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: body,
      }),
    );
    const pulledAtResponse = pulled;
    body.destroy();
    return { res, pulled: () => pulledAtResponse };
  }

  const eventsNamed = (name: string): Payload[] => published.payloadsOf(name);
  const lastEvent = (name: string): Payload | undefined => eventsNamed(name).at(-1);

  async function metricValue(name: string, labels: Record<string, string>, app: TestApp = t): Promise<number> {
    const metric = await app.app.get(Metrics).registry.getSingleMetric(name)?.get();
    const match = metric?.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
    return match?.value ?? 0;
  }

  beforeAll(async () => {
    // Uploads one level below a directory of the test's own, so the path-traversal check can
    // watch the parent without seeing other suites' temporary files.
    dir = join(mkdtempSync(join(tmpdir(), 'bastion-files-e2e-')), 'uploads');
    mkdirSync(dir);
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, FILES_DIR: dir } });
    published = captureEvents(t);
    admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    alice = await person(t, 'alice');
    bob = await person(t, 'bob');
  });
  afterAll(async () => {
    await t.close();
    rmSync(dirname(dir), { recursive: true, force: true });
  });

  it.each([
    ['POST', '/files'],
    ['GET', '/files'],
    ['GET', `/files/${UNKNOWN_ID}`],
    ['GET', `/files/${UNKNOWN_ID}/content`],
    ['DELETE', `/files/${UNKNOWN_ID}`],
  ] as const)('%s %s requires authentication (401 problem)', async (method, url) => {
    const res =
      method === 'POST'
        ? await post(t, null, [{ name: 'file', filename: 'a.txt', type: 'text/plain', body: 'hi' }])
        : await call(t, null, method, url);
    expectProblem(res, 401, 'unauthenticated');
  });

  it('refuses an unauthenticated upload before reading it, and closes the connection', async () => {
    const sent = await streamedUpload(null, 'a.png', 'image/png', PNG, 8 * MiB);
    expectProblem(sent.res, 401, 'unauthenticated');
    expect(sent.res.headers.connection).toBe('close');
    expect(sent.pulled()).toBeLessThan(2 * MiB);
  });

  // ------------------------------------------------------------------------- accepted uploads
  describe('accepted uploads', () => {
    it.each([
      ['a PNG', 'pixel.png', 'image/png', PNG, 'image/png', 'image/png'],
      ['a PDF', 'report.pdf', 'application/pdf', PDF, 'application/pdf', 'application/pdf'],
      ['UTF-8 text', 'notes.txt', 'text/plain', TEXT, 'text/plain', 'text/plain; charset=utf-8'],
    ])(
      'stores %s and serves it back byte-identical as an attachment',
      async (_label, filename, declared, body, stored, served) => {
        const res = await upload(alice, filename, declared, body);
        const file = await created(Promise.resolve(res));
        const tenantId = await personalTenantOf(t, alice);
        expect(file).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          tenant_id: tenantId,
          filename,
          content_type: stored,
          size: body.length,
          sha256: sha256(body),
          scan_status: 'not_scanned',
          owner_id: alice.id,
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        });
        expect(res.headers.location).toBe(`/api/v1/files/${file.id}`);

        const download = await call(t, alice, 'GET', `/files/${file.id}/content`);
        expect(download.statusCode).toBe(200);
        expect(download.rawPayload.equals(body)).toBe(true);
        expect(download.headers).toMatchObject({
          'content-type': served,
          'content-length': String(body.length),
          'content-disposition': `attachment; filename="${filename}"; filename*=UTF-8''${filename}`,
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; sandbox",
          'cache-control': 'private, no-cache',
          etag: `"sha256-${sha256(body)}"`,
        });

        // The blob is stored under its id (sharded), never under the client's name, and nothing is left staged.
        expect(onDisk()).toContain(join(file.id.slice(0, 2), file.id));
        expect(onDisk().filter((f) => f.startsWith('.incoming'))).toEqual([]);
        expect(readFileSync(join(dir, file.id.slice(0, 2), file.id)).equals(body)).toBe(true);

        expect(lastEvent('files.uploaded')).toEqual({
          file_id: file.id,
          tenant_id: tenantId,
          owner_id: alice.id,
          filename,
          content_type: stored,
          size: body.length,
          sha256: sha256(body),
          scan_status: 'not_scanned',
          ip: expect.any(String),
          occurred_at: expect.any(String),
        });
      },
    );

    it('streams a larger file (2.2 MB, beyond the 1 MiB JSON body limit) through intact', async () => {
      const big = randomPng(900, 800);
      expect(big.length).toBeGreaterThan(2 * MiB);
      const file = await created(upload(alice, 'big.png', 'image/png', big));
      const download = await call(t, alice, 'GET', `/files/${file.id}/content`);
      expect(download.rawPayload.length).toBe(big.length);
      expect(sha256(download.rawPayload)).toBe(sha256(big));
    });

    it('accepts a file of exactly FILES_MAX_BYTES (10 MiB)', async () => {
      const body = pngOfSize(10 * MiB);
      const file = await created(upload(alice, 'exact.png', 'image/png', body));
      expect(file).toMatchObject({ size: 10 * MiB, content_type: 'image/png', sha256: sha256(body) });
      expect(await call(t, alice, 'DELETE', `/files/${file.id}`)).toMatchObject({ statusCode: 204 });
    });

    it('takes the type from the bytes: a generic or aliased declaration is fine, the stored type is the detected one', async () => {
      expect(await created(upload(alice, 'photo', 'application/octet-stream', JPEG))).toMatchObject({
        content_type: 'image/jpeg',
      });
      expect(await created(upload(alice, 'photo.jpg', 'image/jpg', JPEG))).toMatchObject({ content_type: 'image/jpeg' });
      expect(await created(upload(alice, 'data.csv', 'text/csv', 'a,b\n1,2\n'))).toMatchObject({ content_type: 'text/plain' });
    });
  });

  // -------------------------------------------------------------------------- refused types
  describe('content sniffing allowlist', () => {
    it.each([
      ['an ELF executable renamed .png and sent as image/png', 'cat.png', 'image/png', elfExecutable(), 'application/x-elf'],
      ['a Windows executable renamed .png and sent as image/png', 'cat.png', 'image/png', EXE, 'application/x-msdownload'],
      ['HTML', 'page.html', 'text/html', HTML, 'text/html'],
      ['HTML declared as text/plain', 'page.txt', 'text/plain', HTML, 'text/html'],
      [
        'SVG (scriptable markup)',
        'logo.svg',
        'image/svg+xml',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        'image/svg+xml',
      ],
      [
        'a ZIP archive (not on the allowlist)',
        'a.zip',
        'application/zip',
        Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(200)]),
        'application/zip',
      ],
      ['Latin-1 text (not UTF-8)', 'old.txt', 'text/plain', Buffer.from('café crème\n', 'latin1'), 'application/octet-stream'],
      ['a PNG declared as a PDF', 'pixel.pdf', 'application/pdf', PNG, 'image/png'],
      ['text declared as a PNG', 'fake.png', 'image/png', 'just text', 'text/plain'],
    ])('refuses %s: 415 with the detected type, nothing stored', async (_label, filename, declared, body, detected) => {
      const res = await refusedLeavingNothing(t, dir, () => upload(alice, filename, declared, body));
      const problem = expectProblem(res, 415, 'file_type_not_allowed');
      expect(problem).toMatchObject({
        detected_type: detected,
        declared_type: declared,
        allowed_types: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'],
      });
      expect(lastEvent('files.upload_rejected')).toMatchObject({
        user_id: alice.id,
        reason: 'file_type_not_allowed',
        detected_type: detected,
        declared_type: declared,
        filename,
        signature: null,
      });
    });

    it('refuses a 9 MiB executable after its first bytes, without reading the rest', async () => {
      const sent = await streamedUpload(alice, 'big.png', 'image/png', elfExecutable(), 9 * MiB);
      expectProblem(sent.res, 415, 'file_type_not_allowed');
      expect(sent.pulled()).toBeLessThan(2 * MiB);
      expect(lastEvent('files.upload_rejected')?.received_bytes).toBeLessThan(2 * MiB);
    });
  });

  // ----------------------------------------------------------------------------- size limit
  describe('size limit', () => {
    it('refuses 10 MiB + 1 byte: 413 file_too_large, connection closed, nothing on disk or in the table', async () => {
      const res = await refusedLeavingNothing(t, dir, () => upload(alice, 'huge.png', 'image/png', pngOfSize(10 * MiB + 1)));
      const problem = expectProblem(res, 413, 'file_too_large');
      expect(problem.max_bytes).toBe(10 * MiB);
      expect(problem.detail).toBe('The file is larger than the limit of 10 MiB.');
      expect(res.headers.connection).toBe('close');
      expect(lastEvent('files.upload_rejected')).toMatchObject({ reason: 'file_too_large', received_bytes: 10 * MiB + 1 });
    });

    it('cuts the upload off as it passes the limit: the server stops reading a 64 MiB body after about 10 MiB', async () => {
      const sent = await streamedUpload(alice, 'endless.png', 'image/png', pngOfSize(64 * 1024), 64 * MiB);
      expectProblem(sent.res, 413, 'file_too_large');
      expect(sent.res.headers.connection).toBe('close');
      // Far less than the 64 MiB sent. The margin over the 10 MiB limit is what the in-process request
      // stream reads ahead while the handler is busy (the tenant check before the first byte, a loaded machine).
      expect(sent.pulled()).toBeLessThan(16 * MiB);
    });

    it('refuses an empty file: 400 file_empty', async () => {
      const res = await refusedLeavingNothing(t, dir, () => upload(alice, 'empty.txt', 'text/plain', ''));
      expectProblem(res, 400, 'file_empty');
      expect(lastEvent('files.upload_rejected')).toMatchObject({ reason: 'file_empty', received_bytes: 0 });
    });
  });

  // ----------------------------------------------------------------------------- form shape
  describe('form shape', () => {
    it('refuses a form without a file part: 400 file_missing', async () => {
      const res = await refusedLeavingNothing(t, dir, () => post(t, alice, []));
      expect(expectProblem(res, 400, 'file_missing').errors).toEqual([expect.objectContaining({ field: 'file' })]);
    });

    it('refuses "file" sent as a plain field (no filename): 400 file_missing', async () => {
      expectProblem(await post(t, alice, [{ name: 'file', body: 'not a file' }]), 400, 'file_missing');
    });

    it('refuses two file parts: 400 too_many_files, and the first one is not kept', async () => {
      const res = await refusedLeavingNothing(t, dir, () =>
        post(t, alice, [
          { name: 'file', filename: 'a.png', type: 'image/png', body: PNG },
          { name: 'file', filename: 'b.png', type: 'image/png', body: PNG },
        ]),
      );
      expectProblem(res, 400, 'too_many_files');
    });

    it('refuses a second file under another name: 400 too_many_files', async () => {
      const res = await post(t, alice, [
        { name: 'file', filename: 'a.png', type: 'image/png', body: PNG },
        { name: 'other', filename: 'b.png', type: 'image/png', body: PNG },
      ]);
      expectProblem(res, 400, 'too_many_files');
    });

    it.each([
      ['a file under another field name', [{ name: 'document', filename: 'a.png', type: 'image/png', body: PNG }], 'document'],
      [
        'an extra field after the file',
        [
          { name: 'file', filename: 'a.png', type: 'image/png', body: PNG },
          { name: 'note', body: 'x' },
        ],
        'note',
      ],
      [
        'an extra field before the file',
        [
          { name: 'note', body: 'x' },
          { name: 'file', filename: 'a.png', type: 'image/png', body: PNG },
        ],
        'note',
      ],
    ])('refuses %s: 400 unexpected_field naming it', async (_label, parts, field) => {
      const res = await refusedLeavingNothing(t, dir, () => post(t, alice, parts));
      expect(expectProblem(res, 400, 'unexpected_field').errors).toEqual([expect.objectContaining({ field })]);
    });

    it('refuses a JSON body: 415 not_multipart', async () => {
      const res = await t.inject({ method: 'POST', url: '/api/v1/files', headers: bearer(alice.tokens), payload: { file: 'x' } });
      expectProblem(res, 415, 'not_multipart');
    });

    it('refuses a raw body of another type: 415 unsupported_media_type', async () => {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/files',
        headers: { ...bearer(alice.tokens), 'content-type': 'image/png' },
        payload: PNG,
      });
      expectProblem(res, 415, 'unsupported_media_type');
    });

    it('refuses a multipart body cut short: 400 malformed_multipart, nothing stored', async () => {
      const form = multipart([{ name: 'file', filename: 'a.png', type: 'image/png', body: PNG }]);
      const res = await refusedLeavingNothing(t, dir, () =>
        t.inject({
          method: 'POST',
          url: '/api/v1/files',
          headers: { ...bearer(alice.tokens), ...form.headers },
          payload: form.payload.subarray(0, form.payload.length - 40),
        }),
      );
      expectProblem(res, 400, 'malformed_multipart');
    });

    it('keeps multipart to this route: other JSON routes still answer 415 to a multipart body', async () => {
      const form = multipart([{ name: 'name', body: 'Apollo' }]);
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/projects',
        headers: { ...bearer(alice.tokens), ...form.headers },
        payload: form.payload,
      });
      expectProblem(res, 415, 'unsupported_media_type');
      const json = await t.inject({
        method: 'POST',
        url: '/api/v1/projects',
        headers: bearer(alice.tokens),
        payload: { name: 'Apollo' },
      });
      expect(json.statusCode).toBe(201);
    });
  });

  // ------------------------------------------------------------------------------ filenames
  describe('filenames', () => {
    it.each([
      ['../../../etc/passwd.txt', 'passwd.txt'],
      ['..\\..\\windows\\win.ini.txt', 'win.ini.txt'],
      ['/tmp/../../root/.ssh/authorized_keys.txt', 'authorized_keys.txt'],
    ])('neutralises the path-traversal name %p: stored as %p, the blob only under its id', async (raw, stored) => {
      const before = onDisk();
      const parentBefore = readdirSync(dirname(dir));
      const file = await created(upload(alice, raw, 'text/plain', 'secret'));
      expect(file.filename).toBe(stored);
      expect(onDisk().filter((f) => !before.includes(f))).toEqual([join(file.id.slice(0, 2), file.id)]);
      expect(readdirSync(dirname(dir)).filter((f) => !parentBefore.includes(f))).toEqual([]);
      expect(existsSync(join(dir, raw))).toBe(false);
      const download = await call(t, alice, 'GET', `/files/${file.id}/content`);
      expect(download.headers['content-disposition']).toBe(`attachment; filename="${stored}"; filename*=UTF-8''${stored}`);
    });

    it('strips control and bidi characters, and offers a UTF-8 name in filename*', async () => {
      const file = await created(upload(alice, 'invoice\u202Efdp.txt', 'text/plain', 'x'));
      expect(file.filename).toBe('invoicefdp.txt');
      const unicode = await created(upload(alice, 'Grüße.txt', 'text/plain', 'x'));
      const download = await call(t, alice, 'GET', `/files/${unicode.id}/content`);
      expect(download.headers['content-disposition']).toBe(
        `attachment; filename="Gr__e.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt`,
      );
    });

    it('shortens an overlong name to 255 bytes, keeping the extension', async () => {
      const file = await created(upload(alice, `${'n'.repeat(600)}.pdf`, 'application/pdf', PDF));
      expect(Buffer.byteLength(file.filename)).toBe(255);
      expect(file.filename.endsWith('.pdf')).toBe(true);
    });

    it('names a file without a usable name "file"', async () => {
      expect(await created(upload(alice, '..', 'text/plain', 'x'))).toMatchObject({ filename: 'file' });
    });
  });

  // --------------------------------------------------------------------------- malware scan
  describe('malware scanning through the MalwareScanner port', () => {
    afterEach(() => jest.restoreAllMocks());

    it('refuses a file the scanner finds infected: 422 file_infected, nothing stored', async () => {
      const scan = jest
        .spyOn(t.app.get(MalwareScanner), 'scan')
        .mockResolvedValueOnce({ result: 'infected', signature: 'Bastion.Test.Fake' });
      const res = await refusedLeavingNothing(t, dir, () => upload(alice, 'innocent.txt', 'text/plain', 'looks harmless'));
      expect(expectProblem(res, 422, 'file_infected')).toMatchObject({ signature: 'Bastion.Test.Fake' });
      expect(scan).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ filename: 'innocent.txt', size: 14 }));
      expect(lastEvent('files.upload_rejected')).toMatchObject({ reason: 'file_infected', signature: 'Bastion.Test.Fake' });
    });

    it('refuses when the scanner cannot answer: 503 scan_unavailable with Retry-After, nothing stored', async () => {
      jest.spyOn(t.app.get(MalwareScanner), 'scan').mockResolvedValueOnce({ result: 'error', reason: 'down' });
      const res = await refusedLeavingNothing(t, dir, () => upload(alice, 'a.txt', 'text/plain', 'x'));
      expectProblem(res, 503, 'scan_unavailable');
      expect(res.headers['retry-after']).toBe('30');
    });

    it('treats a scanner that throws as unavailable', async () => {
      jest.spyOn(t.app.get(MalwareScanner), 'scan').mockRejectedValueOnce(new Error('boom'));
      expectProblem(
        await refusedLeavingNothing(t, dir, () => upload(alice, 'a.txt', 'text/plain', 'x')),
        503,
        'scan_unavailable',
      );
    });

    describe('with clamd (a fake daemon speaking the INSTREAM protocol)', () => {
      let clamd: FakeClamd;
      let clamdDir: string;
      let scanned: TestApp;

      beforeAll(async () => {
        clamd = await FakeClamd.start();
        clamdDir = mkdtempSync(join(tmpdir(), 'bastion-files-clamd-'));
        scanned = await createTestApp({ env: { FILES_DIR: clamdDir, ...clamd.env({ CLAMD_TIMEOUT_MS: '500' }) } });
      });
      afterAll(async () => {
        await scanned.close();
        await clamd.close();
        rmSync(clamdDir, { recursive: true, force: true });
      });
      beforeEach(() => {
        clamd.mode = 'scan';
      });

      it('stores a clean file as scan_status "clean"; clamd received exactly its bytes', async () => {
        const carol = await person(scanned, 'scanned');
        const file = await created(upload(carol, 'pixel.png', 'image/png', PNG, scanned));
        expect(file).toMatchObject({ scan_status: 'clean', sha256: sha256(PNG) });
        expect(clamd.scans.at(-1)).toEqual({ command: 'INSTREAM', bytes: PNG.length, sha256: sha256(PNG), reply: 'stream: OK' });
        expect(await metricValue('files_uploads_accepted_total', { scan_status: 'clean' }, scanned)).toBe(1);
      });

      it('refuses the EICAR test file clamd reports FOUND: 422 with its signature, nothing stored', async () => {
        const carol = await person(scanned, 'scanned');
        const res = await refusedLeavingNothing(scanned, clamdDir, () =>
          upload(carol, 'eicar.txt', 'text/plain', EICAR, scanned),
        );
        expect(expectProblem(res, 422, 'file_infected')).toMatchObject({ signature: EICAR_SIGNATURE });
        expect(clamd.scans.at(-1)?.reply).toBe(`stream: ${EICAR_SIGNATURE} FOUND`);
        expect(await metricValue('files_uploads_rejected_total', { reason: 'file_infected' }, scanned)).toBe(1);
      });

      it('refuses when clamd hangs past CLAMD_TIMEOUT_MS: 503, nothing stored', async () => {
        clamd.mode = 'hang';
        const carol = await person(scanned, 'scanned');
        const res = await refusedLeavingNothing(scanned, clamdDir, () => upload(carol, 'a.txt', 'text/plain', 'x', scanned));
        expectProblem(res, 503, 'scan_unavailable');
      });

      it('refuses when clamd answers nonsense: 503', async () => {
        clamd.mode = 'garbage';
        const carol = await person(scanned, 'scanned');
        expectProblem(await upload(carol, 'a.txt', 'text/plain', 'x', scanned), 503, 'scan_unavailable');
      });

      describe('scanner down (nothing listening on CLAMD_PORT)', () => {
        let closedPort: number;
        beforeAll(async () => {
          const server = createServer();
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          closedPort = (server.address() as { port: number }).port;
          await new Promise<void>((resolve) => server.close(() => resolve()));
        });

        it('answers 503 scan_unavailable by default and stores nothing', async () => {
          const downDir = mkdtempSync(join(tmpdir(), 'bastion-files-down-'));
          try {
            await withTestApp(
              { env: { FILES_DIR: downDir, FILES_SCANNER: 'clamd', CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(closedPort) } },
              async (app) => {
                const dave = await person(app, 'scanned');
                const res = await refusedLeavingNothing(app, downDir, () => upload(dave, 'a.pdf', 'application/pdf', PDF, app));
                expectProblem(res, 503, 'scan_unavailable');
                expect(await metricValue('files_uploads_rejected_total', { reason: 'scan_unavailable' }, app)).toBe(1);
              },
            );
          } finally {
            rmSync(downDir, { recursive: true, force: true });
          }
        });

        it('with FILES_SCAN_FAIL_OPEN=true stores the file as scan_failed', async () => {
          const openDir = mkdtempSync(join(tmpdir(), 'bastion-files-open-'));
          try {
            await withTestApp(
              {
                env: {
                  FILES_DIR: openDir,
                  FILES_SCANNER: 'clamd',
                  CLAMD_HOST: '127.0.0.1',
                  CLAMD_PORT: String(closedPort),
                  FILES_SCAN_FAIL_OPEN: 'true',
                },
              },
              async (app) => {
                const dave = await person(app, 'scanned');
                const file = await created(upload(dave, 'a.pdf', 'application/pdf', PDF, app));
                expect(file.scan_status).toBe('scan_failed');
                const download = await call(app, dave, 'GET', `/files/${file.id}/content`);
                expect(download.rawPayload.equals(PDF)).toBe(true);
              },
            );
          } finally {
            rmSync(openDir, { recursive: true, force: true });
          }
        });
      });
    });
  });

  // ---------------------------------------------------------------------- reading and access
  describe('reading, listing and access', () => {
    let alicesFile: FileJson;
    let bobsFile: FileJson;

    beforeAll(async () => {
      alicesFile = await created(upload(alice, 'alice.txt', 'text/plain', 'alice’s secret'));
      bobsFile = await created(upload(bob, 'bob.png', 'image/png', PNG));
    });

    it('reads one file’s metadata with a strong ETag, and 304 on If-None-Match', async () => {
      const res = await call(t, alice, 'GET', `/files/${alicesFile.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(alicesFile);
      expect(res.headers.etag).toMatch(/^"[^"]+"$/);
      const again = await call(t, alice, 'GET', `/files/${alicesFile.id}`, { 'if-none-match': res.headers.etag as string });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    });

    it('answers a download whose content ETag matches with 304 and no body', async () => {
      const res = await call(t, alice, 'GET', `/files/${alicesFile.id}/content`, {
        'if-none-match': `"sha256-${alicesFile.sha256}"`,
      });
      expect(res.statusCode).toBe(304);
      expect(res.rawPayload.length).toBe(0);
    });

    it.each([
      ['GET', ''],
      ['GET', '/content'],
      ['DELETE', ''],
    ] as const)(
      'another user’s file is 404 file_not_found for %s {id}%s, like an unknown id, platform admins included',
      async (method, suffix) => {
        for (const other of [bob, admin]) {
          expectProblem(await call(t, other, method, `/files/${alicesFile.id}${suffix}`), 404, 'file_not_found');
          expectProblem(await call(t, other, method, `/files/${UNKNOWN_ID}${suffix}`), 404, 'file_not_found');
        }
        expect((await call(t, alice, 'GET', `/files/${alicesFile.id}`)).statusCode).toBe(200);
      },
    );

    it('rejects a malformed id: 400 validation_failed', async () => {
      const body = expectProblem(await call(t, alice, 'GET', '/files/not-a-uuid'), 400, 'validation_failed');
      expect(body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
    });

    it('gives a platform admin no access to another user’s file: 404 for it and its content (own personal tenant)', async () => {
      expectProblem(await call(t, admin, 'GET', `/files/${bobsFile.id}`), 404, 'file_not_found');
      expectProblem(await call(t, admin, 'GET', `/files/${bobsFile.id}/content`), 404, 'file_not_found');
      expect((await call(t, bob, 'GET', `/files/${bobsFile.id}`)).json()).toEqual(bobsFile);
    });

    it('lets every member of a shared tenant read another member’s file and its content', async () => {
      const [owner, member, other] = [
        await person(t, 'read-owner'),
        await person(t, 'read-member'),
        await person(t, 'read-other'),
      ];
      const team = await sharedTenant(t, owner, [
        [member, 'member'],
        [other, 'member'],
      ]);
      const theirs = await created(uploadIn(team, other, 'team.pdf', 'application/pdf', PDF));
      expect(theirs).toMatchObject({ tenant_id: team, owner_id: other.id });
      expect(lastEvent('files.uploaded')).toMatchObject({ file_id: theirs.id, tenant_id: team, owner_id: other.id });
      for (const who of [member, owner]) {
        expect((await call(t, who, 'GET', `/files/${theirs.id}`, inTenant(team))).json()).toEqual(theirs);
        const content = await call(t, who, 'GET', `/files/${theirs.id}/content`, inTenant(team));
        expect(content.statusCode).toBe(200);
        expect(content.rawPayload.equals(PDF)).toBe(true);
        // Without the header they act in their personal tenant, where the file is unknown.
        expectProblem(await call(t, who, 'GET', `/files/${theirs.id}/content`), 404, 'file_not_found');
      }
    });

    it('lists only the caller’s own tenant’s files, newest first, paginated', async () => {
      const page = (await call(t, bob, 'GET', '/files?page=1&page_size=100')).json();
      expect(page.items.map((f: { id: string }) => f.id)).toEqual([bobsFile.id]);
      expect(page).toMatchObject({ total: 1, page: 1, page_size: 100, pages: 1 });

      const mine = (await call(t, alice, 'GET', '/files?page_size=2')).json();
      expect(mine.items).toHaveLength(2);
      expect(mine.items[0].id).toBe(alicesFile.id);
      expect(mine.items.every((f: { owner_id: string }) => f.owner_id === alice.id)).toBe(true);
      expect(mine.total).toBeGreaterThan(2);
      expect(mine.pages).toBe(Math.ceil(mine.total / 2));
    });

    it('does not widen a user’s list with owner_id', async () => {
      const res = (await call(t, bob, 'GET', `/files?owner_id=${alice.id}`)).json();
      expect(res).toMatchObject({ items: [], total: 0 });
    });

    it('lists only a platform admin’s own tenant’s files too; owner_id does not widen it', async () => {
      const all = (await call(t, admin, 'GET', '/files?page_size=100')).json();
      expect(all).toMatchObject({ items: [], total: 0 });
      const bobs = (await call(t, admin, 'GET', `/files?owner_id=${bob.id}`)).json();
      expect(bobs).toMatchObject({ items: [], total: 0 });
    });

    it('lists every member’s files inside a shared tenant, and filters them by owner_id', async () => {
      const [owner, member] = [await person(t, 'list-owner'), await person(t, 'list-member')];
      const team = await sharedTenant(t, owner, [[member, 'member']]);
      const ownersFile = await created(uploadIn(team, owner, 'owner.txt', 'text/plain', 'from the owner'));
      const membersFile = await created(uploadIn(team, member, 'member.png', 'image/png', PNG));
      await created(upload(member, 'personal.txt', 'text/plain', 'not in the team'));
      for (const who of [owner, member]) {
        const all = (await call(t, who, 'GET', '/files', inTenant(team))).json();
        expect(all.items.map((f: FileJson) => f.id)).toEqual([membersFile.id, ownersFile.id]);
        expect(all.items.every((f: FileJson) => f.tenant_id === team)).toBe(true);
      }
      const byOwner = (await call(t, member, 'GET', `/files?owner_id=${owner.id}`, inTenant(team))).json();
      expect(byOwner.items.map((f: FileJson) => f.id)).toEqual([ownersFile.id]);
    });

    it.each(['page=0', 'page_size=101', 'page=x', `owner_id=nope`])('rejects the list query %p: 400', async (query) => {
      expectProblem(await call(t, alice, 'GET', `/files?${query}`), 400, 'validation_failed');
    });
  });

  // ------------------------------------------------------------------------------- deletion
  describe('deletion', () => {
    it('deletes the metadata and the blob; the file is gone afterwards', async () => {
      const file = await created(upload(alice, 'doomed.txt', 'text/plain', 'bye'));
      const blob = join(dir, file.id.slice(0, 2), file.id);
      expect(existsSync(blob)).toBe(true);
      const res = await call(t, alice, 'DELETE', `/files/${file.id}`);
      expect(res.statusCode).toBe(204);
      expect(existsSync(blob)).toBe(false);
      expect(await t.db.query('SELECT 1 FROM files WHERE id = $1', [file.id])).toHaveLength(0);
      expectProblem(await call(t, alice, 'GET', `/files/${file.id}`), 404, 'file_not_found');
      expectProblem(await call(t, alice, 'DELETE', `/files/${file.id}`), 404, 'file_not_found');
      expect(lastEvent('files.deleted')).toEqual({
        file_id: file.id,
        tenant_id: file.tenant_id,
        owner_id: alice.id,
        by_user_id: alice.id,
        occurred_at: expect.any(String),
      });
    });

    it('does not let a platform admin delete another user’s file: 404, and the file stays', async () => {
      const file = await created(upload(bob, 'kept.txt', 'text/plain', 'mine'));
      expectProblem(await call(t, admin, 'DELETE', `/files/${file.id}`), 404, 'file_not_found');
      expect(existsSync(join(dir, file.id.slice(0, 2), file.id))).toBe(true);
      expect((await call(t, bob, 'GET', `/files/${file.id}`)).statusCode).toBe(200);
    });

    it('in a shared tenant: a member gets 403 forbidden deleting another’s file; the tenant’s admin and owner delete any', async () => {
      const [owner, tenantAdmin, member, other] = [
        await person(t, 'del-owner'),
        await person(t, 'del-admin'),
        await person(t, 'del-member'),
        await person(t, 'del-other'),
      ];
      const team = await sharedTenant(t, owner, [
        [tenantAdmin, 'admin'],
        [member, 'member'],
        [other, 'member'],
      ]);
      const first = await created(uploadIn(team, other, 'first.txt', 'text/plain', 'spam'));
      const second = await created(uploadIn(team, other, 'second.txt', 'text/plain', 'more spam'));

      expectProblem(await call(t, member, 'DELETE', `/files/${first.id}`, inTenant(team)), 403, 'forbidden');
      expect(existsSync(join(dir, first.id.slice(0, 2), first.id))).toBe(true);
      const content = await call(t, member, 'GET', `/files/${first.id}/content`, inTenant(team));
      expect(content.rawPayload.toString()).toBe('spam');

      // A member deletes their own.
      const own = await created(uploadIn(team, member, 'own.txt', 'text/plain', 'mine'));
      expect((await call(t, member, 'DELETE', `/files/${own.id}`, inTenant(team))).statusCode).toBe(204);

      expect((await call(t, tenantAdmin, 'DELETE', `/files/${first.id}`, inTenant(team))).statusCode).toBe(204);
      expect(lastEvent('files.deleted')).toMatchObject({
        file_id: first.id,
        tenant_id: team,
        owner_id: other.id,
        by_user_id: tenantAdmin.id,
      });
      expect((await call(t, owner, 'DELETE', `/files/${second.id}`, inTenant(team))).statusCode).toBe(204);
      expect(lastEvent('files.deleted')).toMatchObject({
        file_id: second.id,
        tenant_id: team,
        owner_id: other.id,
        by_user_id: owner.id,
      });
      for (const file of [first, second]) {
        expect(existsSync(join(dir, file.id.slice(0, 2), file.id))).toBe(false);
        expectProblem(await call(t, other, 'GET', `/files/${file.id}`, inTenant(team)), 404, 'file_not_found');
      }
    });

    it('answers 500 file_content_missing (and logs) when the blob vanished from storage', async () => {
      const file = await created(upload(alice, 'lost.txt', 'text/plain', 'lost'));
      rmSync(join(dir, file.id.slice(0, 2), file.id));
      expectProblem(await call(t, alice, 'GET', `/files/${file.id}/content`), 500, 'file_content_missing');
      expect((await call(t, alice, 'DELETE', `/files/${file.id}`)).statusCode).toBe(204);
    });
  });

  it('counts uploads: accepted by scan status, rejected by reason', async () => {
    expect(await metricValue('files_uploads_accepted_total', { scan_status: 'not_scanned' })).toBe(
      eventsNamed('files.uploaded').length,
    );
    for (const reason of [
      'file_type_not_allowed',
      'file_too_large',
      'file_empty',
      'file_missing',
      'too_many_files',
      'file_infected',
    ]) {
      const events = eventsNamed('files.upload_rejected').filter((e) => e.reason === reason).length;
      expect(events).toBeGreaterThan(0);
      expect(await metricValue('files_uploads_rejected_total', { reason })).toBe(events);
    }
  });

  it('the entity and the migration describe the same files table', async () => {
    const sql = await t.app.get(DataSource).driver.createSchemaBuilder().log();
    const ours = [...sql.upQueries, ...sql.downQueries].map((q) => q.query).filter((q) => /"files"/.test(q));
    expect(ours).toEqual([]);
  });
});
