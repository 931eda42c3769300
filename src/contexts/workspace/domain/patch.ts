import { WorkspaceError } from './workspace.errors';

/**
 * Plans a partial update: the fields of `patch` that are set and differ from `current`.
 * An empty patch (no writable field sent) is a 400; a patch that only repeats the current
 * values plans no change, so the resource (and its ETag) stay as they are.
 */
export function plannedChanges<T extends object, K extends keyof T & string>(
  current: Pick<T, K>,
  patch: Partial<Pick<T, K>>,
  writable: readonly K[],
): Partial<Pick<T, K>> {
  const sent = writable.filter((field) => patch[field] !== undefined);
  if (sent.length === 0) throw WorkspaceError.emptyPatch(writable);
  const changes: Partial<Pick<T, K>> = {};
  for (const field of sent) if (patch[field] !== current[field]) changes[field] = patch[field];
  return changes;
}
