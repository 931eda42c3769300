export { FileSecrets } from './file-secrets';
export {
  currentResolution,
  describeSources,
  resolveSecrets,
  type ResolveOptions,
  type SecretsResolution,
} from './resolve-secrets';
export type { SecretFetch, SecretProvider } from './secret-provider';
export { fileVariable, PROVIDER_CREDENTIALS, SECRET_VARIABLES, type SecretSource } from './secret-variables';
export { SecretsModule } from './secrets.module';
export { type SecretsListener, SecretsRefresher } from './secrets.refresher';
export { readVaultSettings, SECRETS_PROVIDERS, type VaultSettings, VaultKvProvider } from './vault';
