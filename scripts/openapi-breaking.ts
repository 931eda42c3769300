/**
 * `npm run openapi:breaking`: fails when docs/openapi.json breaks clients of the spec at a
 * base git ref (OPENAPI_BASE_REF, default HEAD~1; CI passes the pull request's base or the
 * previous main commit) and the change is not acknowledged in docs/api-changes.md (a line
 * containing the change's description) or by a major version bump.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { breakingChanges, unacknowledged } from '../src/platform/openapi/breaking-changes';

const root = join(__dirname, '..');
const ref = process.env.OPENAPI_BASE_REF?.trim() || 'HEAD~1';

function specAt(gitRef: string): unknown {
  try {
    return JSON.parse(
      execFileSync('git', ['show', `${gitRef}:docs/openapi.json`], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 }),
    );
  } catch {
    return undefined;
  }
}

const before = specAt(ref);
if (before === undefined) {
  console.log(`No docs/openapi.json at ${ref}: nothing to compare against.`);
  process.exit(0);
}
const after = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8')) as object;
const changelogPath = join(root, 'docs', 'api-changes.md');
const changelog = existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : '';
const all = breakingChanges(before, after);
const open = unacknowledged(before as object, after, changelog);
const isOpen = (c: { path: string; description: string }) =>
  open.some((o) => o.path === c.path && o.description === c.description);
for (const change of all) console.log(`${isOpen(change) ? 'BREAKING' : 'acknowledged'}: ${change.description} (${change.path})`);
if (open.length > 0) {
  console.error(
    `\n${open.length} breaking change(s) against ${ref} are not acknowledged. Add a line with each description to ` +
      'docs/api-changes.md (and tell clients), or bump the major version.',
  );
  process.exit(1);
}
console.log(`No unacknowledged breaking changes against ${ref} (${all.length} acknowledged).`);
