/** The start of the scheduling slot `at` falls in, for a job that runs every `periodMs`. */
export function slotStart(at: Date, periodMs: number): Date {
  if (!Number.isInteger(periodMs) || periodMs <= 0) throw new RangeError('periodMs must be a positive integer');
  return new Date(Math.floor(at.getTime() / periodMs) * periodMs);
}

/** How long finished job_runs rows are kept before a run of the same job prunes them. */
export const JOB_RUN_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
