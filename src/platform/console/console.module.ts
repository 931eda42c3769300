import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** Where the console is served; its CSP lives in `platform/security/security-policy.ts`. */
export const CONSOLE_PREFIX = '/console/';

/** The package root (the directory of Bastion's package.json), from src/ (ts) or dist/src/ (js). */
export function packageRoot(from: string = __dirname): string | undefined {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'bastion') return dir;
    } catch {
      // not ours: keep climbing
    }
  }
  return undefined;
}

/** The console's static files: `src/console/public` under the package root, for ts-node and dist alike. */
export function consoleRoot(): string | undefined {
  const root = packageRoot();
  const dir = root && join(root, 'src', 'console', 'public');
  return dir && existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/**
 * Serves the account console (plain HTML, ES modules and CSS; no build step) under
 * `/console/` with a second `@fastify/static` instance. Only the files present at start are
 * routed (`wildcard: false`), so any other path is the API's usual 404 problem.
 */
@Module({})
export class ConsoleModule implements OnModuleInit {
  private readonly logger = new Logger('Console');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const root = consoleRoot();
    if (!root) {
      this.logger.warn('src/console/public not found under the package root: /console is not served');
      return;
    }
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(fastifyStatic, {
      root,
      prefix: CONSOLE_PREFIX,
      decorateReply: false, // Swagger UI's instance owns reply.sendFile
      wildcard: false,
      index: 'index.html',
      redirect: true,
      dotfiles: 'deny',
      cacheControl: true,
      maxAge: 0,
    });
  }
}
