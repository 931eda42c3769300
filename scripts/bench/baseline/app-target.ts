/**
 * The `app` target of the baseline (see targets.ts): Bastion as `createApp` builds it, on a
 * real port. With `--profile` the parent asks it to record a V8 CPU profile of exactly the
 * measured slices of a group (`profile-start` / `profile-stop`), not of the start-up.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';
import { createApp } from '../../../src/platform/app/create-app';
import { loadEnvironment } from '../../../src/platform/config';
import { listening, send, type ToTarget, untilStopped } from './ipc';

function profileOnRequest(): void {
  let session: Session | undefined;
  process.on('message', (message: ToTarget) => {
    void (async () => {
      if (message.type === 'profile-start') {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      } else if (message.type === 'profile-stop' && session) {
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        session = undefined;
        mkdirSync(dirname(message.file), { recursive: true });
        writeFileSync(message.file, JSON.stringify(profile));
        send({ type: 'profiled', file: message.file });
      }
    })();
  });
}

async function serveApp(): Promise<void> {
  const app = await createApp(loadEnvironment());
  await app.listen({ port: 0, host: '127.0.0.1' });
  profileOnRequest();
  send({ type: 'ready', port: listening(app.getHttpServer()) });
  untilStopped(() => app.close());
}

serveApp().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setTimeout(() => process.exit(1), 100);
});
