import { createReadStream } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { MalwareScanner, type ScanSubject } from '../domain/ports';
import type { ScanVerdict } from '../domain/scan';
import { chunkHeader, END_OF_STREAM, INSTREAM_COMMAND, MAX_CHUNK_BYTES, parseClamdReply } from './clamd-protocol';

export interface ClamdOptions {
  host: string;
  port: number;
  /** Whole scan, connect to verdict; past it the scan is an `error` (and the socket is closed). */
  timeoutMs: number;
}

/** Longest reply read before giving up on a peer that is not clamd. */
const MAX_REPLY_BYTES = 4096;

/**
 * Scans through a clamd daemon over TCP with the INSTREAM protocol. Every failure (refused
 * connection, timeout, early close, an ERROR reply) is an `error` verdict, never an exception.
 */
export class ClamdMalwareScanner extends MalwareScanner {
  readonly name = 'clamd';
  readonly scans = true;
  private readonly logger = new Logger('Files');

  constructor(private readonly options: ClamdOptions) {
    super();
  }

  async scan(input: Readable | string, subject: ScanSubject): Promise<ScanVerdict> {
    const source = typeof input === 'string' ? createReadStream(input, { highWaterMark: MAX_CHUNK_BYTES }) : input;
    const verdict = await this.instream(source);
    if (verdict.result === 'error') {
      this.logger.warn({ file_id: subject.fileId, reason: verdict.reason }, 'Malware scan failed');
    } else if (verdict.result === 'infected') {
      this.logger.warn({ file_id: subject.fileId, signature: verdict.signature }, 'Malware found in an upload');
    }
    return verdict;
  }

  private instream(source: Readable): Promise<ScanVerdict> {
    const { host, port, timeoutMs } = this.options;
    return new Promise<ScanVerdict>((resolve) => {
      let settled = false;
      let reply = '';
      const socket: Socket = connect({ host, port });
      const finish = (verdict: ScanVerdict): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        source.destroy();
        socket.destroy();
        resolve(verdict);
      };
      const timer = setTimeout(() => finish({ result: 'error', reason: `clamd: no verdict within ${timeoutMs} ms` }), timeoutMs);

      socket.setNoDelay(true);
      socket.on('error', (error: NodeJS.ErrnoException) => {
        // clamd may answer (e.g. a size limit ERROR) and close while data is still being sent.
        if (reply.includes('\0')) finish(parseClamdReply(reply));
        else finish({ result: 'error', reason: `clamd ${host}:${port}: ${error.code ?? error.message}` });
      });
      socket.on('data', (data: Buffer) => {
        reply += data.toString('latin1');
        if (reply.includes('\0')) finish(parseClamdReply(reply.slice(0, reply.indexOf('\0'))));
        else if (reply.length > MAX_REPLY_BYTES) finish({ result: 'error', reason: 'clamd: reply too long' });
      });
      socket.on('close', () => {
        finish(
          reply.trim() ? parseClamdReply(reply) : { result: 'error', reason: 'clamd closed the connection without a verdict' },
        );
      });
      source.on('error', (error) => finish({ result: 'error', reason: `reading the upload: ${error.message}` }));

      socket.once('connect', () => {
        void this.send(socket, source).catch((error: unknown) => {
          // A write error after clamd has answered is handled by the socket's error/data events.
          if (!settled && !reply) finish({ result: 'error', reason: `clamd: ${(error as Error).message}` });
        });
      });
    });
  }

  /** `zINSTREAM\0`, length-prefixed chunks, the zero-length terminator; waits for drain between chunks. */
  private async send(socket: Socket, source: Readable): Promise<void> {
    const write = (buffer: Buffer): Promise<void> =>
      socket.write(buffer) || socket.destroyed
        ? Promise.resolve()
        : new Promise<void>((done) => {
            const onDone = (): void => {
              socket.off('drain', onDone);
              socket.off('close', onDone);
              done();
            };
            socket.on('drain', onDone);
            socket.on('close', onDone);
          });
    await write(INSTREAM_COMMAND);
    for await (const chunk of source as AsyncIterable<Buffer>) {
      for (let offset = 0; offset < chunk.length; offset += MAX_CHUNK_BYTES) {
        if (socket.destroyed) return;
        const piece = chunk.subarray(offset, offset + MAX_CHUNK_BYTES);
        await write(Buffer.concat([chunkHeader(piece.length), piece]));
      }
    }
    if (!socket.destroyed) await write(END_OF_STREAM);
  }
}
