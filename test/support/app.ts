import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { checkConfiguration } from '../../src/configuration';
import { createApp } from '../../src/platform/app/create-app';
import { loadEnvironment } from '../../src/platform/config';
import { resolveSecrets } from '../../src/platform/secrets';
import { createTestDatabase, type TestDatabase } from './database';
import { SpecValidator } from './spec-validator';

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
  /**
   * Check every response against docs/openapi.json (status documented, JSON body matches its
   * schema) and fail the request's test when it disagrees. On by default.
   */
  validateAgainstSpec?: boolean;
}

let validator: SpecValidator | undefined;

/**
 * Request-rate tiers high enough that suites registering many users from one loopback IP
 * are not limited; the rate-limit suites set their own. (The failed-login throttle and the
 * lockout keep their production defaults.)
 */
export const GENEROUS_RATE_LIMITS = {
  RATE_LIMIT_IP: '100000/1m',
  RATE_LIMIT_USER: '100000/1m',
  RATE_LIMIT_REGISTER: '100000/1m',
  RATE_LIMIT_TOKEN: '100000/1m',
  RATE_LIMIT_REFRESH: '100000/1m',
};

/**
 * Boots the real application (same modules, same `configureApp`) on Fastify against a real
 * PostgreSQL database of its own, migrated at start like production.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase(expect.getState().testPath?.split('/').pop()?.split('.')[0] ?? 'e2e'));
  const ownsDb = options.db === undefined;
  // The app reads its configuration from process.env while it is created; restore it after,
  // so one app's settings never leak into the next app of the same file.
  const saved = { ...process.env };
  Object.assign(process.env, {
    APP_ENV: 'test',
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...GENEROUS_RATE_LIMITS,
    // Rate counters of one test database never meet another run's in a shared Redis.
    REDIS_KEY_PREFIX: `test:${db.name}:`,
    ...options.env,
  });
  let app: NestFastifyApplication | undefined;
  try {
    // Secrets from `<NAME>_FILE` and the provider, as main.ts resolves them; their problems
    // are reported with the rest of the configuration's, in one error.
    const secrets = await resolveSecrets(process.env);
    if (secrets.problems.length > 0) checkConfiguration(process.env, secrets.problems);
    app = await createApp(loadEnvironment(), options.imports);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    // A start that fails leaves nothing behind: the app closed if it was built, its own database dropped.
    await app?.close().catch(() => undefined);
    if (ownsDb) await db.drop();
    throw error;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return {
    app,
    db,
    inject: async (injectOptions) => {
      const response = await app.getHttpAdapter().getInstance().inject(injectOptions);
      if (options.validateAgainstSpec !== false) {
        validator ??= new SpecValidator();
        const method = (injectOptions.method ?? 'GET').toUpperCase();
        const url =
          typeof injectOptions.url === 'string' ? injectOptions.url : ((injectOptions.path as string | undefined) ?? '/');
        const problems = validator.check(method, url, response.statusCode, response.headers['content-type'], response.body);
        if (problems.length > 0) {
          throw new Error(
            `The response disagrees with docs/openapi.json:\n  ${problems.join('\n  ')}\nBody: ${response.body.slice(0, 500)}`,
          );
        }
      }
      return response;
    },
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
