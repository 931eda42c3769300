import type { ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../app.module';
import type { Environment } from '../config/environment';
import { configureApp, fastifyOptions } from './configure-app';

/**
 * The application as production runs it; the e2e harness and the benchmarks build it here
 * too (with `extra` harness-only modules), so they exercise exactly the same app.
 */
export async function createApp(
  env: Environment,
  extra: NonNullable<ModuleMetadata['imports']> = [],
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(extra),
    new FastifyAdapter(fastifyOptions(env)),
    {
      bufferLogs: true,
      // A module that fails to build rejects here (main.ts exits 1 after closing what was
      // opened) instead of Nest's default process.abort(), which would leave the embedded
      // PostgreSQL running and dump core.
      abortOnError: false,
      // Buffered start-up logs go to the structured logger once it is in place
      // (configureApp); a start that fails before that prints main.ts's one line, not a dump
      // of the buffer in Nest's console format.
      autoFlushLogs: false,
      // Fastify's own JSON parser only: no urlencoded parser, so JSON routes answer 415 to forms.
      bodyParser: false,
    },
  );
  return configureApp(app, env);
}
