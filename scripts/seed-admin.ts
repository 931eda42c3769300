/**
 * `npm run seed:admin`: creates the admin from ADMIN_EMAIL / ADMIN_PASSWORD if missing
 * (idempotent; the same step also runs at every app start). Uses the app's own modules,
 * so it migrates and connects exactly like the service.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { AdminSeeder } from '../src/contexts/identity/testing';
import { loadDotEnvFile } from '../src/platform/config';

async function main(): Promise<void> {
  loadDotEnvFile();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(), { logger: ['log', 'warn', 'error'] });
  try {
    // onApplicationBootstrap has already run the seed; running it again reports the state.
    const outcome = await app.get(AdminSeeder).seed();
    console.log(`Admin seed: ${outcome === 'skipped' ? 'skipped (ADMIN_EMAIL not set)' : 'admin present'}`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
