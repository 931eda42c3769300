import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeVaultOptions {
  /** A token that may read every secret (like a root token). */
  token?: string;
  /** Requests must carry `X-Vault-Namespace` with this value. */
  namespace?: string;
  /** AppRole credentials accepted by `POST /v1/auth/approle/login`. */
  appRole?: { roleId: string; secretId: string; leaseSeconds?: number };
}

/** One request as the fake received it (method, path, the headers that matter). */
export interface VaultRequest {
  method: string;
  path: string;
  token?: string;
  namespace?: string;
}

/**
 * A small stand-in for HashiCorp Vault's HTTP API on loopback: KV v2 reads
 * (`GET /v1/<mount>/data/<path>`, answered `{"data": {"data": {...}, "metadata": {...}}}`),
 * `X-Vault-Token` and `X-Vault-Namespace` checks, and AppRole logins
 * (`POST /v1/auth/approle/login`), with Vault's error shape (`{"errors": [...]}`): 403
 * `permission denied`, 404 `[]`, 400 `invalid role or secret ID`. Tests change stored secrets
 * with `put`, revoke issued tokens, and count requests.
 */
export class FakeVault {
  readonly requests: VaultRequest[] = [];
  private readonly secrets = new Map<string, { data: Record<string, unknown>; version: number }>();
  private readonly issued = new Set<string>();
  private server?: Server;
  port = 0;

  constructor(private readonly options: FakeVaultOptions = {}) {}

  static async start(options: FakeVaultOptions = {}): Promise<FakeVault> {
    const vault = new FakeVault(options);
    await vault.listen();
    return vault;
  }

  get address(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Writes a new version of the secret at `<mount>/<path>` (KV v2: the whole map replaced). */
  put(mount: string, path: string, data: Record<string, unknown>): void {
    const key = `${mount}/${path}`;
    const version = (this.secrets.get(key)?.version ?? 0) + 1;
    this.secrets.set(key, { data: { ...data }, version });
  }

  /** Revokes every token issued by AppRole logins (the next read gets 403). */
  revokeIssuedTokens(): void {
    this.issued.clear();
  }

  /** Requests to paths starting with `prefix`. */
  count(prefix: string): number {
    return this.requests.filter((r) => r.path.startsWith(prefix)).length;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const header = (name: string): string | undefined => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const path = (req.url ?? '/').split('?')[0];
    const request: VaultRequest = {
      method: req.method ?? '',
      path,
      token: header('x-vault-token'),
      namespace: header('x-vault-namespace'),
    };
    this.requests.push(request);
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };

    // Outside the namespace the mounts and the AppRole are not there (Vault answers so too).
    if (this.options.namespace !== undefined && request.namespace !== this.options.namespace) {
      return answer(request.method === 'POST' ? 400 : 403, { errors: ['permission denied'] });
    }

    if (request.method === 'POST' && path === '/v1/auth/approle/login') {
      let body: { role_id?: unknown; secret_id?: unknown } = {};
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        return answer(400, { errors: ['failed to parse JSON input'] });
      }
      const role = this.options.appRole;
      if (!role || body.role_id !== role.roleId || body.secret_id !== role.secretId) {
        return answer(400, { errors: ['invalid role or secret ID'] });
      }
      const token = `hvs.${randomBytes(12).toString('hex')}`;
      this.issued.add(token);
      return answer(200, {
        request_id: randomBytes(8).toString('hex'),
        auth: {
          client_token: token,
          accessor: 'fake',
          policies: ['bastion'],
          lease_duration: role.leaseSeconds ?? 3600,
          renewable: true,
        },
      });
    }

    const read = /^\/v1\/(.+?)\/data\/(.+)$/.exec(path);
    if (request.method === 'GET' && read) {
      const valid = request.token !== undefined && (request.token === this.options.token || this.issued.has(request.token));
      if (!valid) return answer(403, { errors: ['permission denied'] });
      const secret = this.secrets.get(`${read[1]}/${read[2]}`);
      if (!secret) return answer(404, { errors: [] });
      return answer(200, {
        request_id: randomBytes(8).toString('hex'),
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: {
          data: secret.data,
          metadata: { created_time: new Date().toISOString(), deletion_time: '', destroyed: false, version: secret.version },
        },
      });
    }
    return answer(404, { errors: [] });
  }
}
