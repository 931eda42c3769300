import type { EnvProblem, RawEnv } from '../config';
import { FileSecrets } from './file-secrets';
import type { SecretProvider } from './secret-provider';
import { fileVariable, PROVIDER_CREDENTIALS, SECRET_VARIABLES, type SecretSource } from './secret-variables';
import { readVaultSettings, VaultKvProvider } from './vault';

export interface ResolveOptions {
  /** Production rules (world-readable files refused); by default `APP_ENV=production`. */
  production?: boolean;
  /** Use this provider instead of the one `SECRETS_PROVIDER` names (tests, other adapters). */
  provider?: SecretProvider;
}

/** What `resolveSecrets` did: the problems to report, and what `SecretsRefresher` needs to read again. */
export interface SecretsResolution {
  /** `VAR: message` problems, to list with the configuration's own (never a value). */
  problems: EnvProblem[];
  /** Each secret setting that has a value, and where it came from. */
  sources: Map<string, SecretSource>;
  /** The current value of each secret setting (the refresher's memory; never logged). */
  values: Map<string, string>;
  /** The environment the values were written into (`process.env` at start-up). */
  target: RawEnv;
  files: FileSecrets;
  provider?: SecretProvider;
  /** Seconds between timed re-reads; 0: on SIGHUP only. */
  refreshIntervalSeconds: number;
  /** Settings the provider also holds but the environment or a file set first (their values win). */
  shadowed: string[];
}

const nonBlank = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value;

let lastResolution: SecretsResolution | undefined;

/**
 * Fills the secret settings into `raw` before the configuration is read. Precedence, per setting:
 * its environment variable, else its `<NAME>_FILE` (both set is a problem), else the provider
 * (`SECRETS_PROVIDER=vault`). Every failure is a problem naming the variable and, for a file,
 * its path; none is thrown, so the start-up report lists them with every other problem.
 * Resolving `process.env` also hands the result to the app's `SecretsRefresher`.
 */
export async function resolveSecrets(raw: RawEnv, options: ResolveOptions = {}): Promise<SecretsResolution> {
  const production = options.production ?? raw.APP_ENV?.trim() === 'production';
  const problems: EnvProblem[] = [];
  const sources = new Map<string, SecretSource>();
  const values = new Map<string, string>();
  const paths = new Map<string, string>();
  const conflicting = new Set<string>();

  for (const name of [...PROVIDER_CREDENTIALS, ...SECRET_VARIABLES]) {
    const value = nonBlank(raw[name]);
    const path = nonBlank(raw[fileVariable(name)])?.trim();
    if (value !== undefined && path !== undefined) {
      problems.push({ variable: fileVariable(name), message: `cannot be set together with ${name}: use one of them` });
      conflicting.add(name);
    } else if (path !== undefined) {
      paths.set(name, path);
    } else if (value !== undefined) {
      sources.set(name, 'env');
      values.set(name, value);
    }
  }

  const files = new FileSecrets(paths, production);
  const fromFiles = await files.fetch();
  problems.push(...fromFiles.problems);
  for (const [name, value] of fromFiles.values) {
    raw[name] = value;
    sources.set(name, 'file');
    values.set(name, value);
  }

  let provider = options.provider;
  let refreshIntervalSeconds = 0;
  if (provider === undefined) {
    const vault = readVaultSettings(raw, production);
    problems.push(...vault.problems);
    if (vault.settings) {
      provider = new VaultKvProvider(vault.settings);
      refreshIntervalSeconds = vault.settings.refreshIntervalSeconds;
    }
  }

  const shadowed: string[] = [];
  if (provider !== undefined) {
    const fetched = await provider.fetch();
    problems.push(...fetched.problems);
    for (const [name, value] of fetched.values) {
      if (conflicting.has(name)) continue;
      if (sources.has(name) || paths.has(name)) {
        shadowed.push(name);
        continue;
      }
      raw[name] = value;
      sources.set(name, provider.source);
      values.set(name, value);
    }
  }

  const resolution: SecretsResolution = {
    problems,
    sources,
    values,
    target: raw,
    files,
    provider,
    refreshIntervalSeconds,
    shadowed,
  };
  if (raw === process.env) lastResolution = resolution;
  return resolution;
}

/** The last resolution of `process.env` (what the running app's secrets came from), if any. */
export function currentResolution(): SecretsResolution | undefined {
  return lastResolution;
}

/**
 * One line naming where each secret came from, never a value:
 * `JWT_SECRET from file; DATABASE_URL, REDIS_URL from env; 2 values from vault secret/bastion/production (...)`.
 */
export function describeSources(resolution: Pick<SecretsResolution, 'sources' | 'provider' | 'shadowed'>): string {
  const by = (source: SecretSource): string[] => [...resolution.sources].filter(([, s]) => s === source).map(([name]) => name);
  const parts: string[] = [];
  const file = by('file');
  const env = by('env').filter((name) => !(PROVIDER_CREDENTIALS as readonly string[]).includes(name));
  if (file.length > 0) parts.push(`${file.join(', ')} from file`);
  if (env.length > 0) parts.push(`${env.join(', ')} from env`);
  if (resolution.provider) {
    const provided = by(resolution.provider.source);
    const count = `${provided.length} value${provided.length === 1 ? '' : 's'}`;
    parts.push(`${count} from ${resolution.provider.label}${provided.length > 0 ? ` (${provided.join(', ')})` : ''}`);
    if (resolution.shadowed.length > 0) {
      parts.push(`set in env or file over ${resolution.provider.label}: ${resolution.shadowed.join(', ')}`);
    }
  }
  return parts.length > 0 ? parts.join('; ') : 'none set';
}
