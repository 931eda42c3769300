/**
 * `npm run bench -- <scenario> [--seconds N] [--concurrency N]`; scenarios: baseline, login, audit, idempotency, upload,
 * enumeration, streams.
 * Without a scenario: the full baseline (scripts/bench/baseline.ts and scripts/bench/baseline/; `--smoke` for a short pass).
 */
import { benchAudit } from './audit';
import { benchBaseline } from './baseline';
import { benchEnumeration } from './enumeration';
import { benchIdempotency } from './idempotency';
import { benchLogin } from './login';
import type { ScenarioOptions } from './scenario';
import { benchStreams } from './streams';
import { benchUpload } from './upload';

const SCENARIOS: Record<string, (o: ScenarioOptions) => Promise<void>> = {
  baseline: benchBaseline,
  login: benchLogin,
  audit: benchAudit,
  idempotency: benchIdempotency,
  upload: benchUpload,
  enumeration: benchEnumeration,
  streams: benchStreams,
};

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

async function main(): Promise<void> {
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
