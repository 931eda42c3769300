import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** Where the console is served; its CSP lives in `platform/security/security-policy.ts`. */
export const CONSOLE_PREFIX = '/console/';

/**
 * Browser libraries the console imports, each served from its npm package under
 * `/console/vendor/<name>/` (same origin, so the console's `script-src 'self'` admits them).
 */
export const CONSOLE_VENDOR: readonly { name: string; pkg: string }[] = [
  // Passkeys: startRegistration / startAuthentication (console/public/webauthn.js loads it when needed).
  { name: 'simplewebauthn-browser', pkg: '@simplewebauthn/browser' },
];

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
 * The directory of a package's ES module build: the one its `exports["."].import` (or `module`)
 * names, as browsers can load it — plain ES modules whose imports are all relative. Undefined
 * when the package is not installed or ships no such build.
 */
export function esmDirectory(pkg: string): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(pkg); // its CommonJS build, or its only one: the walk up finds the package either way
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    let parsed: { name?: unknown; module?: unknown; exports?: unknown };
    try {
      parsed = JSON.parse(readFileSync(manifest, 'utf8')) as typeof parsed;
    } catch {
      continue;
    }
    if (parsed.name !== pkg) continue; // a nested build's own package.json ({"type": "module"})
    const exported = (parsed.exports as { '.'?: { import?: unknown } } | undefined)?.['.']?.import;
    const file = typeof exported === 'string' ? exported : typeof parsed.module === 'string' ? parsed.module : undefined;
    if (!file) return undefined;
    const path = join(dir, file);
    return existsSync(path) ? dirname(path) : undefined;
  }
  return undefined;
}

/**
 * Serves the account console (plain HTML, ES modules and CSS; no build step) under
 * `/console/` with a second `@fastify/static` instance, and the browser libraries it imports
 * (`CONSOLE_VENDOR`, straight from node_modules) under `/console/vendor/`. Only the files present
 * at start are routed (`wildcard: false`), so any other path is the API's usual 404 problem.
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
    for (const { name, pkg } of CONSOLE_VENDOR) {
      const dir = esmDirectory(pkg);
      if (!dir) {
        this.logger.warn(`${pkg} (its ES modules) not found: ${CONSOLE_PREFIX}vendor/${name}/ is not served`);
        continue;
      }
      void fastify.register(fastifyStatic, {
        root: dir,
        prefix: `${CONSOLE_PREFIX}vendor/${name}/`,
        decorateReply: false,
        wildcard: false,
        // The modules only: not their type declarations, source maps or package.json.
        globIgnore: ['**/*.ts', '**/*.map', '**/*.json'],
        index: false,
        redirect: false,
        dotfiles: 'deny',
        cacheControl: true,
        maxAge: 0,
      });
    }
  }
}
