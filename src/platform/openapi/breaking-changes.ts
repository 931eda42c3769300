import { apiDiff } from 'api-smart-diff';

export interface BreakingChange {
  description: string;
  path: string;
}

interface Spec {
  info?: { version?: string };
}

const major = (spec: Spec): number => Number.parseInt(spec.info?.version?.split('.')[0] ?? '0', 10) || 0;

/**
 * Breaking changes between two OpenAPI documents: what api-smart-diff classifies as
 * breaking (removed paths or operations, new required request fields, changed request
 * types, ...), plus two it counts as non-breaking but clients feel: a removed response
 * field and a changed response field type.
 */
export function breakingChanges(before: unknown, after: unknown): BreakingChange[] {
  return apiDiff(before, after)
    .filter((d) => {
      const path = d.path.map(String);
      // Components matter only through the operations that use them, which the diff reports.
      if (path[0] !== 'paths') return false;
      if (d.type === 'breaking') return true;
      if (!path.includes('responses')) return false;
      const removedField = d.action === 'remove' && path.at(-2) === 'properties';
      const retypedField = d.action === 'replace' && path.at(-1) === 'type' && path.at(-3) === 'properties';
      return removedField || retypedField;
    })
    .map((d) => ({
      description: (d.description ?? `${d.action} ${d.path.join('.')}`).replace(
        /^\[Removed\] property/,
        '[Removed] response property',
      ),
      path: d.path.map(String).join('.'),
    }));
}

/**
 * The breaking changes nobody acknowledged: a change is acknowledged by a line in
 * docs/api-changes.md that contains its description, or by a major version bump.
 */
export function unacknowledged(before: Spec, after: Spec, changelog: string): BreakingChange[] {
  if (major(after) > major(before)) return [];
  return breakingChanges(before, after).filter((c) => !changelog.includes(c.description));
}
