/**
 * `npm run bench -- <scenario> [--seconds N] [--concurrency N]`; scenarios: baseline, login, logging, audit, idempotency, upload,
 * enumeration, streams, sequential.
 * Without a scenario: the full baseline (scripts/bench/baseline.ts and scripts/bench/baseline/; `--smoke` for a short pass,
 * `--check` to hold it against bench/baseline.json); `record <report.json>...` writes that baseline from several runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchAudit } from './audit';
import { format, resolveConfig } from 'prettier';
import { baselinePath, isBaseline, recordBaseline } from './baseline/gate';
import type { Report } from './baseline/report';
import { benchBaseline } from './baseline';
import { benchEnumeration } from './enumeration';
import { benchIdempotency } from './idempotency';
import { benchLogin } from './login';
import { benchLogging } from './logging';
import type { ScenarioOptions } from './scenario';
import { benchSequential } from './sequential';
import { benchStreams } from './streams';
import { benchUpload } from './upload';

const SCENARIOS: Record<string, (o: ScenarioOptions) => Promise<void>> = {
  baseline: benchBaseline,
  login: benchLogin,
  logging: benchLogging,
  audit: benchAudit,
  idempotency: benchIdempotency,
  upload: benchUpload,
  enumeration: benchEnumeration,
  streams: benchStreams,
  sequential: benchSequential,
};

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/**
 * `npm run bench -- record [bench/baseline.json] <report.json> <report.json>... [--fresh id,id]`: bench/baseline.json
 * from several full runs, and from the runs an earlier baseline given among them recorded, except for the `--fresh`
 * ratios (a change moved them on purpose: the new runs alone) (baseline/gate.ts).
 */
async function record(args: string[]): Promise<void> {
  const at = args.indexOf('--fresh');
  const fresh = at >= 0 ? (args[at + 1] ?? '').split(',').filter(Boolean) : [];
  const files = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
  const inputs = files.map((file): unknown => JSON.parse(readFileSync(file, 'utf8')));
  const reports = inputs.filter((x): x is Report => !isBaseline(x));
  const baseline = recordBaseline(reports, inputs.filter(isBaseline), { fresh });
  const out = baselinePath(join(__dirname, '..', '..', 'bench'));
  // As the repository's formatter prints it, so that the recorded file passes `format:check` as written.
  writeFileSync(out, await format(JSON.stringify(baseline), { ...(await resolveConfig(out)), parser: 'json' }));
  console.log(`wrote ${out} from ${baseline.runs} runs`);
  for (const [id, r] of Object.entries(baseline.ratios))
    console.log(
      `  ${id.padEnd(24)} median ${r.median.toFixed(2)}  range ${r.min.toFixed(2)}–${r.max.toFixed(2)}  band ${r.band}  floor ${r.floor}`,
    );
}

async function main(): Promise<void> {
  if (process.argv[2] === 'record') return record(process.argv.slice(3));
  const switches = ['--smoke', '--profile'];
  const names = process.argv
    .slice(2)
    .filter((a, i, all) => !a.startsWith('--') && !(all[i - 1]?.startsWith('--') && !switches.includes(all[i - 1])));
  const selected = names.length > 0 ? names : ['baseline'];
  const options = { seconds: flag('seconds', 5), concurrency: flag('concurrency', 2) };
  for (const name of selected) {
    const run = SCENARIOS[name];
    if (!run) throw new Error(`unknown scenario "${name}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
    await run(options);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
