import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createApp } from './platform/app/create-app';
import { InvalidEnvironmentError, loadDotEnvFile, loadEnvironment } from './platform/config';
import { Metrics } from './platform/observability';
import { installCrashHandlers } from './platform/observability/crash-handlers';

async function bootstrap(): Promise<void> {
  loadDotEnvFile();
  let env;
  try {
    env = loadEnvironment();
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) {
      process.stderr.write(`Bastion refuses to start. ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = await createApp(env);
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

  await app.listen({ port: env.port, host: env.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : env.port;
  logger.log(`Bastion ${env.appEnv} listening on http://${env.host}:${port} (Swagger UI at /docs)`, 'Bootstrap');
  if (env.jwtSecretGenerated) {
    logger.warn('JWT_SECRET is not set: using a random per-process secret (tokens do not survive a restart)', 'Bootstrap');
  }
}

void bootstrap();
