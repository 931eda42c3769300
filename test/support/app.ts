import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../src/platform/app/create-app';
import { loadEnvironment } from '../../src/platform/config';
import { createTestDatabase, type TestDatabase } from './database';

export interface TestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Closes the app and drops its database. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables for this app (on top of APP_ENV=test and its own DATABASE_URL). */
  env?: Record<string, string>;
  /** Harness-only modules mounted next to the real ones. */
  imports?: NonNullable<ModuleMetadata['imports']>;
  /** Reuse a database (e.g. a second instance); by default each app gets a new one. */
  db?: TestDatabase;
}

/**
 * Boots the real application (same modules, same `configureApp`) on Fastify against a real
 * PostgreSQL database of its own, migrated at start like production.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase(expect.getState().testPath?.split('/').pop()?.split('.')[0] ?? 'e2e'));
  Object.assign(process.env, {
    APP_ENV: 'test',
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const env = loadEnvironment();
  const app = await createApp(env, options.imports);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const ownsDb = options.db === undefined;
  return {
    app,
    db,
    inject: (injectOptions) => app.getHttpAdapter().getInstance().inject(injectOptions),
    close: async () => {
      await app.close();
      if (ownsDb) await db.drop();
    },
  };
}

/** Runs `fn` against an extra app (another instance, other settings) and always closes it. */
export async function withTestApp<T>(options: TestAppOptions, fn: (t: TestApp) => Promise<T>): Promise<T> {
  const t = await createTestApp(options);
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}
