import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EnvProblem } from '../config';
import { describeSources, type SecretsResolution } from './resolve-secrets';
import type { SecretProvider } from './secret-provider';
import { PROVIDER_CREDENTIALS } from './secret-variables';

/** Vault's own credentials are read at start only: the provider holds them, nobody subscribes. */
const isCredential = (name: string): boolean => (PROVIDER_CREDENTIALS as readonly string[]).includes(name);

/** Told the names of the secrets that changed (read each with `SecretsRefresher.current`). */
export type SecretsListener = (changed: string[]) => void | Promise<void>;

/**
 * Reads the secrets again without a restart: every `VAULT_REFRESH_INTERVAL` (with Vault), on
 * `SIGHUP`, or when `refresh()` is called. Files and the provider are read again; a value set
 * in the environment cannot change. A changed value replaces the old one here and in
 * `process.env`, and the subscribers of its name are told the name (never the value). A failed
 * read (Vault unreachable, a file gone) keeps the values in use and logs the problems.
 *
 * Subscribe where a secret is used after start-up:
 *
 *   secrets.onChange(['SMTP_USER', 'SMTP_PASSWORD'], () => sender.useCredentials(secrets.current('SMTP_USER'), ...));
 *
 * Settings read only at start (DATABASE_URL, REDIS_URL) need a restart; see docs/operations/secrets.md.
 */
export class SecretsRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Secrets');
  private readonly listeners = new Set<{ names: ReadonlySet<string>; listener: SecretsListener }>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<string[]>;
  private readonly onSighup = (): void => {
    this.logger.log('SIGHUP: reading the secrets again');
    void this.refresh();
  };

  constructor(private readonly resolution?: SecretsResolution) {}

  /** The current value of a secret setting (`undefined` when unset). */
  current(name: string): string | undefined {
    return this.resolution?.values.get(name);
  }

  /** Calls `listener` with the changed names among `names` after each refresh that changed any; returns the unsubscribe. */
  onChange(names: readonly string[], listener: SecretsListener): () => void {
    const entry = { names: new Set(names), listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Whether anything can change: a `<NAME>_FILE` or a provider is in use. */
  get refreshable(): boolean {
    return !!this.resolution && (this.resolution.files.paths.size > 0 || this.resolution.provider !== undefined);
  }

  onApplicationBootstrap(): void {
    if (!this.resolution) return;
    this.logger.log(`Secrets: ${describeSources(this.resolution)}`);
    if (!this.refreshable) return;
    process.on('SIGHUP', this.onSighup);
    const seconds = this.resolution.refreshIntervalSeconds;
    if (seconds > 0) {
      this.timer = setInterval(() => void this.refresh(), seconds * 1000);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    process.off('SIGHUP', this.onSighup);
    clearInterval(this.timer);
  }

  /** Reads files and provider again; resolves to the names whose value changed. One run at a time. */
  refresh(): Promise<string[]> {
    this.running ??= this.readAgain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async readAgain(): Promise<string[]> {
    const resolution = this.resolution;
    if (!resolution || !this.refreshable) return [];
    const changed: string[] = [];
    const problems: EnvProblem[] = [];
    const providers: SecretProvider[] = [resolution.files, ...(resolution.provider ? [resolution.provider] : [])];
    for (const provider of providers) {
      const fetched = await provider.fetch();
      const names = [...resolution.sources]
        .filter(([name, source]) => source === provider.source && !isCredential(name))
        .map(([name]) => name);
      if (fetched.problems.length > 0) {
        // Keep every value of a provider that did not answer completely.
        problems.push(...fetched.problems);
        continue;
      }
      for (const [name, value] of fetched.values) {
        if (isCredential(name)) continue;
        if (!resolution.sources.has(name)) {
          // New in the provider, unset everywhere else: it is the provider's now.
          resolution.sources.set(name, provider.source);
        } else if (resolution.sources.get(name) !== provider.source) {
          continue;
        }
        if (resolution.values.get(name) !== value) this.set(resolution, name, value, changed);
      }
      // Removed from the provider (a retired previous secret): unset.
      for (const name of names) {
        if (!fetched.values.has(name)) {
          resolution.sources.delete(name);
          this.set(resolution, name, undefined, changed);
        }
      }
    }
    if (problems.length > 0) {
      this.logger.warn(
        `Secrets refresh kept the values in use: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`,
      );
    }
    if (changed.length === 0) {
      this.logger.debug('Secrets refresh: nothing changed');
      return [];
    }
    this.logger.log(`Secrets refresh: ${changed.join(', ')} changed`);
    await this.notify(changed);
    return changed;
  }

  private set(resolution: SecretsResolution, name: string, value: string | undefined, changed: string[]): void {
    if (value === undefined) {
      resolution.values.delete(name);
      delete resolution.target[name];
    } else {
      resolution.values.set(name, value);
      resolution.target[name] = value;
    }
    changed.push(name);
  }

  private async notify(changed: string[]): Promise<void> {
    for (const { names, listener } of this.listeners) {
      const theirs = changed.filter((name) => names.has(name));
      if (theirs.length === 0) continue;
      try {
        await listener(theirs);
      } catch (error) {
        this.logger.error(
          `A subscriber to ${theirs.join(', ')} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}
