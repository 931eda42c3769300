/**
 * Writes docs/openapi.json from the code: Nest's preview mode builds the module graph and
 * routes without starting providers (no database), keys are sorted at every level, so the
 * same code always gives a byte-identical file. `--check` fails when the file is stale.
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../src/app.module';
import { applyRoutePrefix } from '../src/platform/app/configure-app';
import { describeDrift } from '../src/platform/openapi/drift';
import { buildOpenApiDocument, stableStringify } from '../src/platform/openapi/swagger';

export async function generateOpenApi(): Promise<string> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(), new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  applyRoutePrefix(app);
  await app.init();
  const document = buildOpenApiDocument(app);
  await app.close();
  return stableStringify(document);
}

async function main(): Promise<void> {
  const target = join(__dirname, '..', 'docs', 'openapi.json');
  const generated = await generateOpenApi();
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== generated) {
      const drift = describeDrift(JSON.parse(current), JSON.parse(generated));
      console.error('docs/openapi.json is out of date: run `npm run openapi` and commit the result.');
      // Equal content in another layout (keys, indentation) lists nothing: only the file's bytes differ.
      console.error(drift.length > 0 ? `Changed: ${drift.join(', ')}` : 'Only its formatting differs.');
      process.exit(1);
    }
    console.log('docs/openapi.json is up to date.');
    return;
  }
  writeFileSync(target, generated);
  console.log(`Wrote ${target}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
