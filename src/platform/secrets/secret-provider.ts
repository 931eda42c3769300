import type { EnvProblem } from '../config';
import type { SecretSource } from './secret-variables';

/** What one read of a provider gave: the values it holds, and what went wrong (by variable, never a value). */
export interface SecretFetch {
  values: Map<string, string>;
  problems: EnvProblem[];
}

/**
 * A place secrets come from (the port). `fetch` returns every value the provider holds of the
 * secret settings (`SECRET_VARIABLES`) and never throws: a failure is a problem naming the
 * variable to fix, so a start can list it with every other configuration problem. Built in:
 * `FileSecrets` (the `<NAME>_FILE` files) and `VaultKvProvider` (HashiCorp Vault KV v2).
 */
export interface SecretProvider {
  readonly source: SecretSource;
  /** How logs name it: `file`, `vault secret/bastion/production`. */
  readonly label: string;
  fetch(): Promise<SecretFetch>;
}
