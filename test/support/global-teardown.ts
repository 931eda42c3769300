import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.__BASTION_EMBEDDED_PG__;
  if (!embedded) return;
  await embedded.stop();
  const dir = embedded.dataDir;
  if (dir) rmSync(dirname(dir), { recursive: true, force: true });
}
