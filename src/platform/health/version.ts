import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version from package.json, found from both src/ (ts) and dist/src/ (js). */
export function readPackageVersion(): string {
  for (const up of ['../../..', '../../../..']) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bastion' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}
