import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../app.module';
import type { Environment } from '../config/environment';
import { configureApp, fastifyOptions } from './configure-app';

export async function createApp(env: Environment): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(), new FastifyAdapter(fastifyOptions(env)), {
    bufferLogs: true,
    // Fastify's own JSON parser only: no urlencoded parser, so JSON routes answer 415 to forms.
    bodyParser: false,
  });
  return configureApp(app);
}
