/**
 * Benchmark `upload`: MiB/s of 5 MiB uploads through the real app on a real port (HTTP,
 * multipart streaming, content sniffing, sha256, staging with fsync, atomic rename, one
 * INSERT; the default logging scanner) next to raw disk writes of the same bytes on the same
 * machine: `fs.writeFile`, and `fs.writeFile` + fsync (what a durable store has to pay). A
 * third reference is the same POST to a bare `node:http` server that discards the body: what
 * moving 5 MiB over loopback costs at all, so the ratios show what the upload path adds.
 *
 *   npm run bench -- upload [--seconds 5] [--concurrency 2]
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, unlink, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Operation, type Timing, timed } from './sampling';
import { BENCH_PASSWORD, register, type ScenarioOptions, startApp } from './scenario';

const MiB = 1024 * 1024;
const FILE_BYTES = 5 * MiB;

/** 5 MiB that open like a PNG (signature, IHDR, IDAT header), then random bytes. */
function pngOfFiveMiB(): Buffer {
  const out = randomBytes(FILE_BYTES);
  const head = Buffer.from('89504e470d0a1a0a0000000d49484452000010000000100008020000000000000000', 'hex');
  head.copy(out);
  out.writeUInt32BE(FILE_BYTES - head.length - 12, head.length);
  out.write('IDAT', head.length + 4, 'latin1');
  return out;
}

/** Runs `op` from `concurrency` loops for `seconds`; each op moves FILE_BYTES, so the rate is over the time it took. */
const timedUploads = (seconds: number, concurrency: number, op: Operation): Promise<Timing> =>
  timed(seconds, concurrency, op, 'elapsed');

/** MiB/s of operations that each move FILE_BYTES. */
const mibPerSecond = (r: Timing): number => (r.perSecond * FILE_BYTES) / MiB;

/** A bare HTTP server that reads and discards request bodies. */
async function startSink(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(201).end('{"id":"sink"}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function post(port: number, token: string, file: Buffer): Promise<{ status: number; body: string }> {
  const boundary = `bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/files',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + file.length + tail.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.write(head);
    req.write(file);
    req.end(tail);
  });
}

export async function benchUpload(options: ScenarioOptions): Promise<void> {
  const filesDir = mkdtempSync(join(tmpdir(), 'bastion-bench-files-'));
  const rawDir = mkdtempSync(join(tmpdir(), 'bastion-bench-raw-'));
  process.env.FILES_DIR = filesDir;
  // The bench registers and logs in once; keep request tiers out of the way.
  process.env.RATE_LIMIT_IP ??= '1000000/1m';
  process.env.RATE_LIMIT_USER ??= '1000000/1m';
  const { app, fastify } = await startApp();
  await app.listen(0, '127.0.0.1');
  const port = (fastify.server.address() as { port: number }).port;
  try {
    const email = `bench.upload.${Date.now()}@example.com`;
    const password = BENCH_PASSWORD;
    await register(fastify, email);
    const token = (await fastify.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password } })).json<{
      access_token: string;
    }>().access_token;
    const file = pngOfFiveMiB();
    const uploaded: string[] = [];

    const raw = await timedUploads(options.seconds, options.concurrency, async (worker, n) => {
      const path = join(rawDir, `${worker}-${n}`);
      await writeFile(path, file);
      await unlink(path);
    });
    const durable = await timedUploads(options.seconds, options.concurrency, async (worker, n) => {
      const path = join(rawDir, `${worker}-${n}`);
      const handle = await open(path, 'w');
      try {
        await handle.writeFile(file);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await unlink(path);
    });
    const sink = await startSink();
    const http = await timedUploads(options.seconds, options.concurrency, async () => {
      const res = await post(sink.port, token, file);
      if (res.status !== 201) throw new Error(`sink failed: ${res.status}`);
    }).finally(() => sink.close());
    const upload = await timedUploads(options.seconds, options.concurrency, async () => {
      const res = await post(port, token, file);
      if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${res.body}`);
      uploaded.push((JSON.parse(res.body) as { id: string }).id);
    });
    // Deleted after the timing: 5 s of uploads is a few hundred MiB in a temp directory.
    await Promise.all(
      uploaded.map((id) =>
        fastify.inject({ method: 'DELETE', url: `/api/v1/files/${id}`, headers: { authorization: `Bearer ${token}` } }),
      ),
    );

    const row = (name: string, r: Timing) =>
      `${name.padEnd(34)} ${mibPerSecond(r).toFixed(1).padStart(8)} MiB/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  (${r.ops} × 5 MiB)`;
    console.log(
      `scenario upload: 5 MiB file, ${options.seconds}s each, concurrency ${options.concurrency}, FILES_SCANNER=logging`,
    );
    console.log(row('raw fs.writeFile', raw));
    console.log(row('raw fs.writeFile + fsync', durable));
    console.log(row('POST to a discarding node:http', http));
    console.log(row('POST /api/v1/files (HTTP)', upload));
    console.log(`ratio upload/writeFile: ${(mibPerSecond(upload) / mibPerSecond(raw)).toFixed(2)}`);
    console.log(`ratio upload/(writeFile+fsync): ${(mibPerSecond(upload) / mibPerSecond(durable)).toFixed(2)}`);
    console.log(`ratio upload/discarding HTTP: ${(mibPerSecond(upload) / mibPerSecond(http)).toFixed(2)}`);
  } finally {
    await app.close();
    rmSync(filesDir, { recursive: true, force: true });
    rmSync(rawDir, { recursive: true, force: true });
  }
}
