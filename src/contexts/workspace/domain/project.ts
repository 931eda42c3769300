import { plannedChanges } from './patch';

export const PROJECT_STATUSES = ['active', 'archived'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

export const PROJECT_NAME_MAX = 200;
export const PROJECT_DESCRIPTION_MAX = 5000;

export interface ProjectFields {
  name: string;
  description: string;
  status: ProjectStatus;
}

export const PROJECT_WRITABLE = ['name', 'description', 'status'] as const satisfies readonly (keyof ProjectFields)[];

/** A project can be archived and brought back at any time; every field is editable in both states. */
export function planProjectPatch(current: ProjectFields, patch: Partial<ProjectFields>): Partial<ProjectFields> {
  return plannedChanges<ProjectFields, keyof ProjectFields>(current, patch, PROJECT_WRITABLE);
}
