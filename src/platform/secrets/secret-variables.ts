/**
 * The settings that are secrets: each may come from its environment variable, from a file named
 * by `<NAME>_FILE` (the Docker/Kubernetes secrets convention), or from the secret provider
 * (`SECRETS_PROVIDER=vault`). Nothing else is read from a file or from the provider, and no value
 * of these is ever logged. Add a name here when a context starts reading a new secret.
 */
export const SECRET_VARIABLES = [
  // platform
  'DATABASE_URL',
  'REDIS_URL',
  'METRICS_TOKEN',
  // identity: token signing and verification, the MFA sealing keys, the first admin
  'JWT_SECRET',
  'JWT_PREVIOUS_SECRET',
  'JWT_PRIVATE_KEY',
  'JWT_KEYS',
  'MFA_ENCRYPTION_KEYS',
  'ADMIN_PASSWORD',
  // audit: the pseudonym HMAC key and the retention role's URL
  'AUDIT_PSEUDONYM_KEY',
  'AUDIT_RETENTION_DATABASE_URL',
  // notifications: provider credentials
  'SMTP_USER',
  'SMTP_PASSWORD',
  'EMAIL_HTTP_TOKEN',
  'WHATSAPP_TOKEN',
] as const;

/**
 * The provider's own credentials: from the environment or a `<NAME>_FILE`, never from the
 * provider itself.
 */
export const PROVIDER_CREDENTIALS = ['VAULT_TOKEN', 'VAULT_SECRET_ID'] as const;

/** `JWT_SECRET` → `JWT_SECRET_FILE`. */
export const fileVariable = (name: string): string => `${name}_FILE`;

/** Where a secret's value came from, as logged (never the value). */
export type SecretSource = 'env' | 'file' | 'vault';
