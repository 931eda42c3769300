import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createApp } from './platform/app/create-app';
import { InvalidEnvironmentError, loadDotEnvFile, loadEnvironment } from './platform/config';

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
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    const started = Date.now();
    logger.log(`Received ${signal}: draining and shutting down`, 'Shutdown');
    app
      .close()
      .then(() => {
        logger.log(`Shutdown complete in ${Date.now() - started} ms`, 'Shutdown');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed', 'Shutdown');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await app.listen({ port: env.port, host: env.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : env.port;
  logger.log(`Bastion ${env.appEnv} listening on http://${env.host}:${port} (Swagger UI at /docs)`, 'Bootstrap');
  if (env.jwtSecretGenerated) {
    logger.warn('JWT_SECRET is not set: using a random per-process secret (tokens do not survive a restart)', 'Bootstrap');
  }
}

void bootstrap();
