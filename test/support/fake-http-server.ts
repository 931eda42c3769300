import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (null when empty or not JSON). */
  body: unknown;
  raw: string;
}

/** How to answer: a status with a JSON body and headers, or `hang` (never answer). */
export type FakeResponse = { status: number; body?: unknown; headers?: Record<string, string> } | { hang: true };

/**
 * An HTTP server on loopback standing in for a provider API: it records every request and
 * answers through `respond`, which tests replace to script outages, errors and recoveries.
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  respond: (request: RecordedRequest) => FakeResponse = () => ({ status: 200, body: { id: 'msg-1' } });
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeHttpServer> {
    const holder: { fake?: FakeHttpServer } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () =>
        holder.fake?.handle(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString('utf8'), res),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.fake = new FakeHttpServer(server, (server.address() as AddressInfo).port);
    return holder.fake;
  }

  url(path = ''): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests to one path. */
  to(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private handle(method: string, path: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    let body: unknown;
    try {
      body = raw === '' ? null : JSON.parse(raw);
    } catch {
      body = null;
    }
    const request: RecordedRequest = { method, path, headers, body, raw };
    this.requests.push(request);
    const answer = this.respond(request);
    if ('hang' in answer) {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
