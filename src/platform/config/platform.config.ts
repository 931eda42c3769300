import { existsSync } from 'node:fs';
import { registerAs } from '@nestjs/config';
import { type Environment, type EnvProblem, parseEnvironment, readEnvironment } from './environment';

/** Parses `process.env` (the same result every time within one process). */
export function loadEnvironment(raw: Record<string, string | undefined> = process.env): Environment {
  return parseEnvironment(raw);
}

/** `process.env` read with its problems listed rather than thrown (see `readEnvironment`). */
export function inspectEnvironment(raw: Record<string, string | undefined> = process.env): {
  env: Environment;
  problems: EnvProblem[];
} {
  return readEnvironment(raw);
}

/**
 * The platform's validated configuration, registered under the `platform` namespace.
 * Inject with `@Inject(platformConfig.KEY) config: PlatformConfig`.
 */
export const platformConfig = registerAs('platform', () => loadEnvironment());

export type PlatformConfig = Environment;

/**
 * Entry points (the server, the admin seed) read `.env` from the working directory when one
 * exists; variables already in the environment win. Tests never call this.
 */
export function loadDotEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
