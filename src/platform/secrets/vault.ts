import { EnvReader, type EnvProblem, type RawEnv } from '../config';
import type { SecretFetch, SecretProvider } from './secret-provider';
import { SECRET_VARIABLES } from './secret-variables';

export const SECRETS_PROVIDERS = ['env', 'vault'] as const;
export type SecretsProviderName = (typeof SECRETS_PROVIDERS)[number];

export type VaultAuth = { method: 'token'; token: string } | { method: 'approle'; roleId: string; secretId: string };

export interface VaultSettings {
  /** `VAULT_ADDR`, without a trailing slash. */
  address: string;
  /** `VAULT_NAMESPACE` (Vault Enterprise / HCP), sent as `X-Vault-Namespace`. */
  namespace?: string;
  /** `VAULT_KV_MOUNT`: where the KV v2 engine is mounted (default `secret`). */
  mount: string;
  /** `VAULT_SECRET_PATH`: the secret inside the mount, e.g. `bastion/production`. */
  path: string;
  auth: VaultAuth;
  /** `VAULT_REFRESH_INTERVAL` in seconds; 0: no timer (SIGHUP only). */
  refreshIntervalSeconds: number;
  /** `VAULT_TIMEOUT_MS`: the longest wait for each HTTP call. */
  timeoutMs: number;
}

const SEGMENTS = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const because = 'SECRETS_PROVIDER=vault';

/**
 * `SECRETS_PROVIDER` and the `VAULT_*` settings. `settings` is undefined when the provider is
 * not Vault, or when its settings have problems (listed). Run after the `<NAME>_FILE`
 * resolution of `VAULT_TOKEN` and `VAULT_SECRET_ID`.
 */
export function readVaultSettings(raw: RawEnv, production: boolean): { settings?: VaultSettings; problems: EnvProblem[] } {
  const r = new EnvReader(raw);
  const provider = r.enumOf('SECRETS_PROVIDER', SECRETS_PROVIDERS, 'env', { ignoreCase: true });
  if (provider !== 'vault') {
    // A Vault path without the provider is a setting that would silently do nothing.
    if (r.string('VAULT_SECRET_PATH') !== undefined) r.problem('VAULT_SECRET_PATH', 'is set but SECRETS_PROVIDER is not vault');
    return { problems: r.problems };
  }
  const address = r.required('VAULT_ADDR', because).replace(/\/+$/, '');
  const url = address === '' ? undefined : r.serviceUrl('VAULT_ADDR', address, production, 'the requests carry the Vault token');
  const mount = (r.string('VAULT_KV_MOUNT') ?? 'secret').replace(/^\/+|\/+$/g, '');
  if (!SEGMENTS.test(mount) || mount.split('/').includes('..'))
    r.problem('VAULT_KV_MOUNT', `is not a mount path, got "${mount}"`);
  const path = r.required('VAULT_SECRET_PATH', because).replace(/^\/+|\/+$/g, '');
  if (path !== '' && (!SEGMENTS.test(path) || path.split('/').includes('..'))) {
    r.problem('VAULT_SECRET_PATH', `is not a secret path like bastion/production, got "${path}"`);
  }
  const auth = readAuth(r);
  const refreshIntervalSeconds = r.duration('VAULT_REFRESH_INTERVAL', 300, 0, 86_400);
  if (refreshIntervalSeconds > 0 && refreshIntervalSeconds < 10) {
    r.problem('VAULT_REFRESH_INTERVAL', 'must be 0 (no timer) or at least 10s');
  }
  const timeoutMs = r.int('VAULT_TIMEOUT_MS', 5000, 100, 60_000);
  if (r.problems.length > 0 || !url || !auth) return { problems: r.problems };
  return {
    settings: { address, namespace: r.string('VAULT_NAMESPACE'), mount, path, auth, refreshIntervalSeconds, timeoutMs },
    problems: [],
  };
}

function readAuth(r: EnvReader): VaultAuth | undefined {
  const token = r.string('VAULT_TOKEN');
  const roleId = r.string('VAULT_ROLE_ID');
  const secretId = r.string('VAULT_SECRET_ID');
  if (token !== undefined && (roleId !== undefined || secretId !== undefined)) {
    r.problem('VAULT_TOKEN', 'cannot be set together with VAULT_ROLE_ID/VAULT_SECRET_ID: choose token or AppRole login');
    return undefined;
  }
  if (token !== undefined) return { method: 'token', token };
  if (roleId === undefined && secretId === undefined) {
    r.problem('VAULT_TOKEN', `is required when ${because} (or VAULT_ROLE_ID and VAULT_SECRET_ID for an AppRole login)`);
    return undefined;
  }
  if (roleId === undefined) r.required('VAULT_ROLE_ID', 'VAULT_SECRET_ID is set');
  if (secretId === undefined) r.required('VAULT_SECRET_ID', 'VAULT_ROLE_ID is set');
  return roleId !== undefined && secretId !== undefined ? { method: 'approle', roleId, secretId } : undefined;
}

/** A failed Vault call, already phrased as the configuration problem to report. */
class VaultFailure extends Error {
  constructor(readonly problem: EnvProblem) {
    super(problem.message);
  }
}

/** Answers we act on; anything else is reported by status. */
interface VaultAnswer {
  status: number;
  body: unknown;
}

/**
 * HashiCorp Vault's KV v2 engine over its HTTP API (global `fetch`, a timeout on every call):
 * `GET /v1/<mount>/data/<path>` with `X-Vault-Token`, the token given (`VAULT_TOKEN`) or got
 * from an AppRole login (`POST /v1/auth/approle/login`), logged in again before its lease ends
 * or when Vault refuses it. The secret's `data.data` maps setting names to values; only the
 * secret settings are taken. Failures become problems naming the variable to fix; Vault's
 * error texts are kept (they name no value), with the credentials redacted all the same.
 */
export class VaultKvProvider implements SecretProvider {
  readonly source = 'vault' as const;
  readonly label: string;
  private token?: string;
  private tokenExpiresAt = Infinity;

  constructor(
    private readonly settings: VaultSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.label = `vault ${settings.mount}/${settings.path}`;
    if (settings.auth.method === 'token') this.token = settings.auth.token;
  }

  async fetch(): Promise<SecretFetch> {
    try {
      return await this.read();
    } catch (error) {
      if (error instanceof VaultFailure) return { values: new Map(), problems: [error.problem] };
      throw error;
    }
  }

  private async read(): Promise<SecretFetch> {
    const { mount, path } = this.settings;
    const url = `/v1/${mount}/data/${path}`;
    let answer = await this.call('GET', url, await this.currentToken());
    if (answer.status === 403 && this.settings.auth.method === 'approle') {
      // An AppRole token revoked or expired early: one new login, one retry.
      this.token = undefined;
      answer = await this.call('GET', url, await this.currentToken());
    }
    const where = `${mount}/${path}`;
    if (answer.status === 404) {
      throw this.failure('VAULT_SECRET_PATH', `Vault has no secret at ${where} (KV v2 mount "${mount}"; HTTP 404)`);
    }
    if (answer.status === 403) {
      const variable = this.settings.auth.method === 'token' ? 'VAULT_TOKEN' : 'VAULT_ROLE_ID';
      throw this.failure(variable, `Vault refused to read ${where} (HTTP 403${this.errors(answer)})`);
    }
    if (answer.status !== 200)
      throw this.failure('VAULT_ADDR', `Vault answered HTTP ${answer.status} reading ${where}${this.errors(answer)}`);
    const data = (answer.body as { data?: { data?: unknown } } | null)?.data?.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw this.failure('VAULT_SECRET_PATH', `${where} is not a KV v2 secret (no data.data in the answer)`);
    }
    const values = new Map<string, string>();
    const problems: EnvProblem[] = [];
    for (const name of SECRET_VARIABLES) {
      const value = (data as Record<string, unknown>)[name];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string')
        problems.push({ variable: 'VAULT_SECRET_PATH', message: `${where}: ${name} is not a string` });
      else if (value.trim() !== '') values.set(name, value.trim());
    }
    return { values, problems };
  }

  private async currentToken(): Promise<string> {
    if (this.token !== undefined && this.now() < this.tokenExpiresAt) return this.token;
    const auth = this.settings.auth;
    if (auth.method === 'token') return auth.token;
    const answer = await this.call('POST', '/v1/auth/approle/login', undefined, {
      role_id: auth.roleId,
      secret_id: auth.secretId,
    });
    if (answer.status !== 200) {
      throw this.failure('VAULT_ROLE_ID', `the AppRole login was refused (HTTP ${answer.status}${this.errors(answer)})`);
    }
    const login = (answer.body as { auth?: { client_token?: unknown; lease_duration?: unknown } } | null)?.auth;
    if (typeof login?.client_token !== 'string' || login.client_token === '') {
      throw this.failure('VAULT_ADDR', 'the AppRole login answered without a client token');
    }
    this.token = login.client_token;
    const lease = typeof login.lease_duration === 'number' ? login.lease_duration : 0;
    // Log in again at 80 % of the lease (a lease of 0: the token does not expire).
    this.tokenExpiresAt = lease > 0 ? this.now() + lease * 800 : Infinity;
    return this.token;
  }

  private async call(method: 'GET' | 'POST', path: string, token?: string, body?: unknown): Promise<VaultAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers['x-vault-token'] = token;
    if (this.settings.namespace !== undefined) headers['x-vault-namespace'] = this.settings.namespace;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.settings.address}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw this.failure(
        'VAULT_ADDR',
        `Vault at ${this.settings.address} cannot be reached (${describeFetchError(error, this.settings.timeoutMs)})`,
      );
    }
    const parsed: unknown = await response.json().catch(() => null);
    return { status: response.status, body: parsed };
  }

  /** `: permission denied` from Vault's `{"errors": [...]}`, credentials redacted, bounded. */
  private errors(answer: VaultAnswer): string {
    const errors = (answer.body as { errors?: unknown } | null)?.errors;
    if (!Array.isArray(errors) || errors.length === 0) return '';
    let text = errors.filter((e): e is string => typeof e === 'string').join('; ');
    for (const credential of this.credentials()) text = text.split(credential).join('[redacted]');
    return text === '' ? '' : `: ${text.slice(0, 200)}`;
  }

  private credentials(): string[] {
    const auth = this.settings.auth;
    const list = auth.method === 'token' ? [auth.token] : [auth.roleId, auth.secretId];
    if (this.token !== undefined) list.push(this.token);
    return list.filter((c) => c.length >= 4);
  }

  private failure(variable: string, message: string): VaultFailure {
    return new VaultFailure({ variable, message });
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
