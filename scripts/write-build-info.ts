// Embeds the build's identity next to the compiled app: dist/build-info.json with the
// package version, the git SHA (GIT_SHA, else `git rev-parse HEAD`, else "unknown") and
// the build time. The running app reports them in /health/live and the build_info metric.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
let gitSha: string | undefined = process.env.GIT_SHA?.trim();
if (!gitSha) {
  try {
    gitSha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    gitSha = 'unknown';
  }
}
const info = { version: pkg.version, git_sha: gitSha, built_at: new Date().toISOString() };
mkdirSync('dist', { recursive: true });
writeFileSync('dist/build-info.json', `${JSON.stringify(info, null, 2)}\n`);
console.log(`dist/build-info.json: ${info.version} ${info.git_sha}`);
