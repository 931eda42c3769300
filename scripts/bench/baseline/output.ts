/**
 * The run's record: the machine and git revision it ran on, and the report written as
 * `bench/report.json` and `bench/report.md` (the markdown printed too), then the CPU profiles' summaries.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, relative } from 'node:path';
import { formatProfile, summarizeProfile } from './profile';
import { renderMarkdown, type Report } from './report';

export function gitSha(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown'; // not a git checkout
  }
}

/** This machine, with the load average at the start of the run and now. */
export function machine(loadStart: number[]): Report['machine'] {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memory_gib: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    load_average_start: loadStart,
    load_average_end: loadavg(),
  };
}

/** Writes report.json and report.md to `outDir` and prints the markdown and the profiles' summaries. */
export function writeReport(outDir: string, report: Report, profiles: string[], log: (message: string) => void): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(report);
  writeFileSync(join(outDir, 'report.md'), markdown);
  console.log(`\n${markdown}`);
  log(`wrote ${join(outDir, 'report.json')} and report.md`);
  for (const file of profiles) console.log(`\n${formatProfile(relative(process.cwd(), file), summarizeProfile(file))}`);
}
