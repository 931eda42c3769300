import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * A small clamd stand-in on loopback that speaks the real protocol clamd(8) documents:
 * `zINSTREAM\0` / `nINSTREAM\n`, then chunks each prefixed by a 4-byte big-endian length,
 * ended by a zero-length chunk; one reply line (`stream: OK`, `stream: <name> FOUND`,
 * `INSTREAM size limit exceeded. ERROR`), NUL- or newline-terminated as the prefix asked;
 * plus `PING` → `PONG`. It "detects" the EICAR test string.
 */

/** The EICAR anti-virus test string, assembled at run time so this file itself is not "infected". */
export const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('');
export const EICAR_SIGNATURE = 'Eicar-Test-Signature';

export type FakeClamdMode =
  /** Scan and answer like clamd. */
  | 'scan'
  /** Read everything, never answer (a hung daemon). */
  | 'hang'
  /** Answer something that is not a clamd reply. */
  | 'garbage';

export interface ScanRecord {
  command: string;
  bytes: number;
  sha256: string;
  reply: string;
}

export class FakeClamd {
  readonly host = '127.0.0.1';
  readonly scans: ScanRecord[] = [];
  mode: FakeClamdMode = 'scan';
  /** Like clamd's StreamMaxLength: a longer stream gets the size-limit ERROR and the connection closed. */
  streamMaxBytes = 25 * 1024 * 1024;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeClamd> {
    const server = createServer();
    const fake = new FakeClamd(server);
    server.on('connection', (socket) => fake.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  /** Environment for an app that scans with this daemon. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { FILES_SCANNER: 'clamd', CLAMD_HOST: this.host, CLAMD_PORT: String(this.port), ...extra };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let command: string | undefined;
    let terminator = '\0';
    const data: Buffer[] = [];
    let received = 0;
    let done = false;

    const reply = (line: string): void => {
      done = true;
      this.scans.push({
        command: command ?? '',
        bytes: received,
        sha256: createHash('sha256').update(Buffer.concat(data)).digest('hex'),
        reply: line,
      });
      if (this.mode === 'hang') return;
      socket.end(`${this.mode === 'garbage' ? 'hello there' : line}${terminator}`);
    };

    socket.on('data', (incoming: Buffer) => {
      if (done) return;
      buffer = Buffer.concat([buffer, incoming]);
      if (command === undefined) {
        const prefix = String.fromCharCode(buffer[0]);
        terminator = prefix === 'n' ? '\n' : '\0';
        const end = buffer.indexOf(terminator);
        if (end < 0) return;
        command = buffer.subarray(prefix === 'z' || prefix === 'n' ? 1 : 0, end).toString('latin1');
        buffer = buffer.subarray(end + 1);
        if (command === 'PING') {
          done = true;
          socket.end(`PONG${terminator}`);
          return;
        }
        if (command !== 'INSTREAM') {
          done = true;
          socket.end(`UNKNOWN COMMAND${terminator}`);
          return;
        }
      }
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0);
        if (length === 0) {
          const content = Buffer.concat(data).toString('latin1');
          reply(content.includes(EICAR) ? `stream: ${EICAR_SIGNATURE} FOUND` : 'stream: OK');
          return;
        }
        if (buffer.length < 4 + length) return;
        data.push(Buffer.from(buffer.subarray(4, 4 + length)));
        received += length;
        buffer = buffer.subarray(4 + length);
        if (received > this.streamMaxBytes) {
          // What clamd does: answer at once and close, while the client may still be sending.
          reply('INSTREAM size limit exceeded. ERROR');
          socket.destroySoon();
          return;
        }
      }
    });
  }
}
