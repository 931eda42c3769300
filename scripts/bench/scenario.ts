/**
 * What the in-process scenario benchmarks (login, idempotency, upload) share: the CLI's
 * options, the app they measure (built by `createApp`, initialised, Fastify ready for
 * `inject`), and the account they register on it.
 */
import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/platform/app/create-app';
import { type Environment, loadEnvironment } from '../../src/platform/config';

/** `--seconds` and `--concurrency` of `npm run bench`. */
export interface ScenarioOptions {
  seconds: number;
  concurrency: number;
}

export const BENCH_PASSWORD = 'benchmark-passphrase-Vq8#2026';

/** Test configuration and no log lines unless the caller's environment says otherwise. */
export function quietTestDefaults(): void {
  process.env.APP_ENV ??= 'test';
  process.env.LOG_LEVEL ??= 'silent';
}

export interface BenchApp {
  env: Environment;
  app: NestFastifyApplication;
  fastify: FastifyInstance;
}

/** The app from the current `process.env` (with `extra` modules), initialised and ready for `inject`. */
export async function startApp(extra: NonNullable<ModuleMetadata['imports']> = []): Promise<BenchApp> {
  quietTestDefaults();
  const env = loadEnvironment();
  const app = await createApp(env, extra);
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  return { env, app, fastify };
}

/** Registers `email` with BENCH_PASSWORD through the API. */
export async function register(fastify: FastifyInstance, email: string): Promise<void> {
  const reg = await fastify.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: BENCH_PASSWORD },
  });
  if (reg.statusCode !== 201) throw new Error(`register failed: ${reg.body}`);
}
