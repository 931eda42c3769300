/** `npm run bench -- <scenario> [--seconds N] [--concurrency N]`; scenarios: login, idempotency, audit, upload. */
import { benchAudit } from './audit';
import { benchIdempotency } from './idempotency';
import { benchLogin } from './login';
import { benchUpload } from './upload';

const SCENARIOS: Record<string, (o: { seconds: number; concurrency: number }) => Promise<void>> = {
  login: benchLogin,
  idempotency: benchIdempotency,
  audit: benchAudit,
  upload: benchUpload,
};

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  const selected = names.length > 0 ? names : Object.keys(SCENARIOS);
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
