/**
 * Turns the merged samples into the report's scenario results (`summarize`), and names every
 * problem: a scenario without responses, with connection errors or timeouts, or with a status
 * it should not answer; a login flood answered with anything but 200 and 503.
 */
import type { Group } from './groups';
import { emptySample, type Sample, summarize } from './load';
import type { Report, ScenarioResult } from './report';
import type { GroupId } from './settings';

function unexpectedOf(statuses: Record<string, number>, expected: string[]): Record<string, number> {
  return Object.fromEntries(Object.entries(statuses).filter(([code]) => !expected.includes(code)));
}

/** The results of the groups in `only`, in order; problems are added to `problems`. */
export function scenarioResults(
  groups: Group[],
  only: GroupId[],
  samples: Map<string, Sample>,
  problems: string[],
): ScenarioResult[] {
  const scenarios: ScenarioResult[] = [];
  for (const group of groups) {
    if (!only.includes(group.id)) continue;
    for (const m of group.members) {
      const base = {
        id: m.id,
        group: group.id,
        title: m.title,
        server: m.server,
        connections: m.connections,
        expected: m.expected,
      };
      if (m.skipped) {
        scenarios.push({ ...base, unexpected: {}, skipped: m.skipped });
        continue;
      }
      const summary = summarize(samples.get(m.id) ?? emptySample());
      const unexpected = unexpectedOf(summary.statuses, m.expected);
      scenarios.push({ ...base, ...summary, unexpected });
      if (summary.requests === 0) problems.push(`${m.id}: no response at all`);
      if (summary.errors + summary.timeouts > 0)
        problems.push(`${m.id}: ${summary.errors} connection errors, ${summary.timeouts} timeouts`);
      if (Object.keys(unexpected).length > 0) problems.push(`${m.id}: unexpected statuses ${JSON.stringify(unexpected)}`);
    }
  }
  return scenarios;
}

/** The flood's totals when it ran (else undefined); a problem is added when it saw more than 200 and 503. */
export function floodResult(totals: NonNullable<Report['flood']>, problems: string[]): Report['flood'] {
  if (Object.keys(totals.statuses).length === 0) return undefined;
  const odd = unexpectedOf(totals.statuses, ['200', '503']);
  if (Object.keys(odd).length > 0 || totals.errors > 0) {
    problems.push(
      `login flood: unexpected statuses ${JSON.stringify(odd)}, ${totals.errors} errors (only 200 and 503 server_busy are expected)`,
    );
  }
  return totals;
}
