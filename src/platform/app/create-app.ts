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
      // Fastify's own JSON parser only: no urlencoded parser, so JSON routes answer 415 to forms.
      bodyParser: false,
    },
  );
  return configureApp(app, env);
}
