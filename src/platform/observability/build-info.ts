import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { platformConfig, type PlatformConfig } from '../config';
import { readPackageVersion } from '../health/version';

/** Written next to the compiled app by `npm run build` (scripts/write-build-info.mjs). */
export const BUILD_INFO_FILE = 'build-info.json';

interface BuildInfoFile {
  version?: string;
  git_sha?: string;
  built_at?: string;
}

/** `dist/build-info.json` when this runs from a build (from dist/src/platform/observability). */
function readBuildInfoFile(dir = join(__dirname, '..', '..', '..')): BuildInfoFile {
  const path = join(dir, BUILD_INFO_FILE);
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as BuildInfoFile;
  } catch {
    return {};
  }
}

/**
 * Which build is running: the version and git SHA embedded at build time, else the
 * package version and `GIT_SHA` (running from source, or an image that sets it).
 */
@Injectable()
export class BuildInfo {
  readonly version: string;
  readonly gitSha: string;
  readonly builtAt: string | null;

  constructor(@Inject(platformConfig.KEY) config: PlatformConfig) {
    const file = readBuildInfoFile();
    this.version = file.version ?? readPackageVersion();
    this.gitSha = config.gitSha !== 'unknown' ? config.gitSha : (file.git_sha ?? 'unknown');
    this.builtAt = file.built_at ?? null;
  }
}
