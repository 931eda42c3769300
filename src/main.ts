import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { checkConfiguration } from './configuration';
import { createApp } from './platform/app/create-app';
import { type Environment, InvalidEnvironmentError, loadDotEnvFile } from './platform/config';
import { stopOwnedEmbeddedClusters } from './platform/database/embedded-postgres';
import { Metrics } from './platform/observability';
import { installCrashHandlers } from './platform/observability/crash-handlers';
import { resolveSecrets } from './platform/secrets';

/**
 * Start-up: the secrets (environment, `<NAME>_FILE`, Vault) into the environment, then the
 * configuration (one report of every problem, the secrets' included), then the app, then the
 * listener. Whatever fails before the server listens ends the process with exit code 1 and one
 * line saying why, after closing what was opened (the embedded PostgreSQL included). Only a listening server installs the
 * serving-phase handlers (signals, crash accounting).
 */
async function bootstrap(): Promise<void> {
  loadDotEnvFile();
  const secrets = await resolveSecrets(process.env);
  let env: Environment;
  try {
    env = checkConfiguration(process.env, secrets.problems);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return refuseToStart(`Bastion refuses to start. ${error.message}`);
    throw error;
  }

  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp(env);
    await app.listen({ port: env.port, host: env.host });
  } catch (error) {
    await failedStart(app, error);
    return;
  }
  serve(app, env);
}

function serve(app: NestFastifyApplication, env: Environment): void {
  const logger = app.get(Logger);
  let closing = false;
  const shutdown = (signal: NodeJS.Signals | 'uncaughtException', exitCode = 0): void => {
    if (closing) return;
    closing = true;
    const started = Date.now();
    logger.log(`Received ${signal}: draining and shutting down`, 'Shutdown');
    app
      .close()
      .then(() => {
        logger.log(`Shutdown complete in ${Date.now() - started} ms`, 'Shutdown');
        process.exit(exitCode);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed', 'Shutdown');
        process.exit(1);
      });
  };
  // (Node passes the signal number as a second argument: not an exit code.)
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  const metrics = app.get(Metrics);
  installCrashHandlers(process, {
    log: (error, message) => logger.error({ err: error }, message, 'Crash'),
    count: (kind) => metrics.unhandledErrors.inc({ kind }),
    shutdown: (exitCode) => shutdown('uncaughtException', exitCode),
  });

  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : env.port;
  logger.log(`Bastion ${env.appEnv} listening on http://${env.host}:${port} (Swagger UI at /docs)`, 'Bootstrap');
}

/**
 * A start that failed after the configuration was accepted: one line with the cause (the
 * structured log when the app got far enough to have one), then everything opened is closed
 * and the process exits 1. A close that hangs does not keep the process alive.
 */
async function failedStart(app: NestFastifyApplication | undefined, error: unknown): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  const message = `Bastion failed to start: ${reason}`;
  let logger: Logger | undefined;
  try {
    logger = app?.get(Logger);
  } catch {
    logger = undefined;
  }
  if (logger) logger.fatal({ err: error }, message, 'Bootstrap');
  else process.stderr.write(`${message}\n`);
  const deadline = setTimeout(() => process.exit(1), 10_000);
  deadline.unref();
  await app?.close().catch(() => undefined);
  await stopOwnedEmbeddedClusters().catch(() => undefined);
  process.exit(1);
}

function refuseToStart(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

bootstrap().catch((error: unknown) => failedStart(undefined, error));
