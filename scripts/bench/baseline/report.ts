/** The baseline's report: `bench/report.json` (the data) and `bench/report.md` (the same, as tables). */
import type { Summary } from './load';

export interface ScenarioResult extends Partial<Summary> {
  id: string;
  group: string;
  title: string;
  /** What served it: `app` (Bastion), or the peer's name. */
  server: string;
  connections: number;
  /** Statuses this scenario may answer (anything else is a problem). */
  expected: string[];
  unexpected: Record<string, number>;
  skipped?: string;
}

export interface Comparison {
  id: string;
  title: string;
  scenario: string;
  peer: string;
  ratio?: number;
  /** Minimum ratio the issue asks for; absent for informational ratios. */
  target?: number;
  status: 'met' | 'missed' | 'info' | 'skipped';
  reason?: string;
}

export interface Report {
  generated_at: string;
  smoke: boolean;
  git_sha: string;
  machine: {
    cpu: string;
    cores: number;
    memory_gib: number;
    os: string;
    node: string;
    load_average_start: number[];
    load_average_end: number[];
  };
  settings: Record<string, unknown>;
  scenarios: ScenarioResult[];
  comparisons: Comparison[];
  flood?: {
    connections: number;
    statuses: Record<string, number>;
    errors: number;
    /** The flood's statuses while each scenario under it was measured. */
    by_scenario?: Record<string, Record<string, number>>;
  };
  problems: string[];
  duration_seconds: number;
}

const fixed = (n: number | undefined, digits: number): string => (n === undefined ? '–' : n.toFixed(digits));

function statusList(statuses: Record<string, number> | undefined): string {
  return Object.entries(statuses ?? {})
    .map(([code, count]) => `${code}×${count}`)
    .join(' ');
}

function verdict(c: Comparison): string {
  if (c.status === 'met') return `**met** (≥ ${c.target?.toFixed(2)})`;
  if (c.status === 'missed') return `**missed** (≥ ${c.target?.toFixed(2)})`;
  if (c.status === 'skipped') return `skipped: ${c.reason ?? ''}`;
  return 'info';
}

export function renderMarkdown(report: Report): string {
  const byId = new Map(report.scenarios.map((s) => [s.id, s]));
  const primary = new Map<string, Comparison>();
  for (const c of report.comparisons) if (!primary.has(c.scenario)) primary.set(c.scenario, c);
  const lines: string[] = [];
  lines.push(`# Bastion performance baseline${report.smoke ? ' (smoke pass: figures are not meaningful)' : ''}`);
  lines.push('');
  lines.push(
    `${report.generated_at}, git ${report.git_sha}, ${report.machine.cores} × ${report.machine.cpu}, ` +
      `${report.machine.memory_gib} GiB, ${report.machine.os}, Node ${report.machine.node}; ` +
      `load average ${report.machine.load_average_start.map((l) => l.toFixed(2)).join('/')} at the start, ` +
      `${report.machine.load_average_end.map((l) => l.toFixed(2)).join('/')} at the end; run took ${report.duration_seconds.toFixed(0)} s.`,
  );
  lines.push('');
  lines.push(
    'Every scenario ran interleaved with its peer on the same machine with the same client settings; ' +
      'absolute numbers are noisy (shared cores, other work running), the ratios are what matter.',
  );
  lines.push('');
  lines.push(
    'Settings: ' +
      Object.entries(report.settings)
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join('; ') +
      '.',
  );
  lines.push('');
  lines.push('## Scenarios');
  lines.push('');
  lines.push('| scenario | server | conns | req/s | p50 ms | p97.5 ms | p99 ms | errors | statuses | peer | ratio |');
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|---|---|--:|');
  for (const s of report.scenarios) {
    const c = primary.get(s.id);
    const peer = c ? (byId.get(c.peer)?.title ?? c.peer) : '';
    if (s.skipped) {
      lines.push(`| ${s.title} | ${s.server} | ${s.connections} | skipped: ${s.skipped} | | | | | | ${peer} | |`);
      continue;
    }
    lines.push(
      `| ${s.title} | ${s.server} | ${s.connections} | ${fixed(s.rps, 0)} | ${fixed(s.latencyMs?.p50, 2)} | ` +
        `${fixed(s.latencyMs?.p97_5, 2)} | ${fixed(s.latencyMs?.p99, 2)} | ${(s.errors ?? 0) + (s.timeouts ?? 0)} | ` +
        `${statusList(s.statuses)} | ${peer} | ${c?.ratio === undefined ? '' : c.ratio.toFixed(2)} |`,
    );
  }
  const costed = report.scenarios.filter((s) => s.cpuMsPerResponse && !s.skipped);
  if (costed.length > 0) {
    lines.push('');
    lines.push('## Machine time per response');
    lines.push('');
    lines.push(
      "CPU time (user + system, every thread) over the scenario's slices, per response it measured: of the process that " +
        'served it, of PostgreSQL (every `postgres` process) and of the load generators (the client and the login flood). ' +
        "Under a flood, the probe's share includes the refusals its server sent meanwhile.",
    );
    lines.push('');
    lines.push('| scenario | server | server ms | PostgreSQL ms | generators ms | total ms |');
    lines.push('|---|---|--:|--:|--:|--:|');
    for (const s of costed) {
      const { server, postgres, generators } = s.cpuMsPerResponse!;
      lines.push(
        `| ${s.title} | ${s.server} | ${server.toFixed(3)} | ${postgres.toFixed(3)} | ${generators.toFixed(3)} | ` +
          `${(server + postgres + generators).toFixed(3)} |`,
      );
    }
  }
  lines.push('');
  lines.push('## Ratios and targets');
  lines.push('');
  lines.push('| ratio | scenario / peer | value | target |');
  lines.push('|---|---|--:|---|');
  for (const c of report.comparisons) {
    const names = `${byId.get(c.scenario)?.title ?? c.scenario} / ${byId.get(c.peer)?.title ?? c.peer}`;
    lines.push(`| ${c.title} | ${names} | ${fixed(c.ratio, 2)} | ${verdict(c)} |`);
  }
  if (report.flood) {
    lines.push('');
    lines.push(
      `Login flood (its own process, ${report.flood.connections} connections, correct password): ` +
        `${statusList(report.flood.statuses) || 'no responses'}, ${report.flood.errors} errors ` +
        '(503 is the argon2 pool refusing work beyond its cap, as designed).',
    );
    const during = Object.entries(report.flood.by_scenario ?? {});
    if (during.length > 0) lines.push('', `While measuring: ${during.map(([id, s]) => `${id} ${statusList(s)}`).join('; ')}.`);
  }
  lines.push('');
  lines.push('## Problems');
  lines.push('');
  if (report.problems.length === 0) lines.push('None: every scenario answered only with its expected statuses, without errors.');
  for (const p of report.problems) lines.push(`- ${p}`);
  lines.push('');
  return lines.join('\n');
}
