import { Logger } from '@nestjs/common';
import type { RawEnv } from '../../../platform/config';
import type { SecretsRefresher } from '../../../platform/secrets';
import { readIdentityConfig } from '../identity.config';
import { describeKeys } from '../jwt-keys.config';
import { type JwtCodec, JwtKeyring } from './jwt-keys';

/** The secret settings the access-token keyring is made of. */
export const JWT_KEY_SECRETS = ['JWT_SECRET', 'JWT_PREVIOUS_SECRET', 'JWT_PRIVATE_KEY', 'JWT_KEYS'] as const;

const logger = new Logger('Identity');

/**
 * Keeps `codec`'s keys in step with the secrets: when a key setting changes (a new file
 * content or Vault version, read on the refresh interval or `SIGHUP`), the keyring is built
 * again from the settings the app started with and the key settings' current values, and
 * replaces the old one for every token signed or verified from then on. A set with problems (a
 * bad PEM, two active keys) is refused and logged by variable name; the keys in use stay.
 */
export function reloadKeysOnChange(codec: JwtCodec, secrets: SecretsRefresher, startedWith: RawEnv): void {
  secrets.onChange(JWT_KEY_SECRETS, (changed) => {
    const { config, problems } = readIdentityConfig(currentKeySettings(secrets, startedWith));
    const keyProblems = problems.filter((p) => p.variable.startsWith('JWT_'));
    if (keyProblems.length > 0) {
      logger.error(
        `Access-token keys not reloaded (${changed.join(', ')} changed): ${keyProblems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`,
      );
      return;
    }
    codec.replace(new JwtKeyring(config.jwtKeys));
    logger.log(`Access-token keys reloaded: ${describeKeys(config.jwtKeys)}`);
  });
}

/**
 * The settings the app started with, with the key settings as the refresher holds them now. It holds
 * every secret setting that has a value, whatever its source (the environment, a file, Vault), so
 * one it does not hold is unset: removed from its file or from Vault. `startedWith` (a copy of
 * the environment at start, Vault's and the files' values written in) cannot tell that apart
 * from a value set in the environment, and would bring the removed value back.
 */
export function currentKeySettings(secrets: Pick<SecretsRefresher, 'current'>, startedWith: RawEnv): RawEnv {
  const raw: RawEnv = { ...startedWith };
  for (const name of JWT_KEY_SECRETS) {
    const value = secrets.current(name);
    if (value === undefined) delete raw[name];
    else raw[name] = value;
  }
  return raw;
}
