/**
 * The parent's side of the target processes (./targets.ts, ./app-target.ts): starting one
 * with `fork` under a plain TypeScript require hook, asking it something over IPC, stopping it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as ts from 'typescript';
import type { FromTarget, TargetKind, ToTarget } from './targets';

export type Ready = Extract<FromTarget, { type: 'ready' }>;

/** This checkout. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');

/** A target's entry file; `root` is another checkout (BENCH_CANDIDATE) whose app is measured too. */
const targetFile = (kind: TargetKind, root = PROJECT_ROOT) =>
  join(root, 'scripts', 'bench', 'baseline', kind === 'app' ? 'app-target.ts' : 'targets.ts');

export class Target {
  private exited = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly port: number | undefined,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Sends `message` and resolves with the first reply `accept` takes. */
  ask<T extends FromTarget>(message: ToTarget, accept: (m: FromTarget) => m is T, timeoutMs = 120_000): Promise<T> {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => done(new Error(`${this.name}: no answer to ${message.type} in ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: FromTarget) => {
        if (accept(m)) done(undefined, m);
      };
      const onExit = () => done(new Error(`${this.name} exited while answering ${message.type}`));
      const done = (error?: Error, value?: T) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolvePromise(value as T);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.send({ type: 'stop' } satisfies ToTarget);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }
}

/** The directories of a checkout whose `.ts` files the targets may load. */
const SOURCE_DIRS = ['src', 'migrations', 'scripts'];

/** Every `.ts` file under `dir` but declarations and specs. */
function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.spec.ts'))
    .map((file) => join(dir, file));
}

/** Where the loader finds the JavaScript of `filename` (an absolute path): its path under `outDir`. */
export function compiledPath(outDir: string, filename: string): string {
  return `${join(outDir, filename)}.js`;
}

/**
 * The `.ts` require hook of the target processes, written to `dir`. Every `.ts` file of the
 * checkouts in `roots` (this one, and a candidate's) is transpiled here, once, before any target
 * starts (`typescript.transpileModule` with the project's compiler options, what `ts-node -T`
 * does); the hook only reads the result. A target so runs without the TypeScript compiler in
 * its heap, as a production process (`node dist/...`) does. Transpiling in each target grew
 * the heap to 170 – 230 MB during start-up and left 84 – 87 MB after the first full collection
 * (72 – 80 and 56 – 66 MB without); the first app's probe against an app started later moved
 * from 0.64 – 0.93 to 0.84 – 0.98 in short runs (docs/performance.md, eleventh pass), and the
 * targets start in a third of the time. Not ts-node either: its `register` loads `node:repl`
 * and with it `node:domain`, which wraps every `EventEmitter` emit and init in the process.
 */
export function writeLoader(dir: string, roots: string[] = [PROJECT_ROOT]): string {
  const outDir = join(dir, 'js');
  mkdirSync(outDir, { recursive: true });
  const { config } = ts.readConfigFile(join(PROJECT_ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path)) as {
    config: unknown;
  };
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, PROJECT_ROOT);
  const compilerOptions: ts.CompilerOptions = {
    ...options,
    module: ts.ModuleKind.CommonJS,
    sourceMap: false,
    declaration: false,
  };
  delete compilerOptions.moduleResolution;
  for (const root of roots)
    for (const file of SOURCE_DIRS.flatMap((sub) => sourceFiles(join(root, sub)))) {
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
      const compiled = compiledPath(outDir, file);
      mkdirSync(dirname(compiled), { recursive: true });
      writeFileSync(compiled, outputText);
    }
  const file = join(dir, 'ts-loader.js');
  writeFileSync(
    file,
    `'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
require.extensions['.ts'] = (module, filename) => {
  const compiled = join(${JSON.stringify(outDir)}, filename) + '.js';
  let source;
  try {
    source = readFileSync(compiled, 'utf8');
  } catch (error) {
    throw new Error('bench loader: ' + filename + ' was not transpiled before the targets started (' + error.code + ')');
  }
  module._compile(source, filename);
};
`,
  );
  return file;
}

/**
 * Node and V8 flags for process `name`, for investigations: BENCH_EXEC_ARGV (space-separated, e.g.
 * `--trace-gc`; V8's heap flags are refused in NODE_OPTIONS), given to the processes BENCH_EXEC_ARGV_FOR
 * names (comma-separated, e.g. `app,app-fresh`), else to every one. None by default.
 */
export function nodeFlagsFor(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const flags = env.BENCH_EXEC_ARGV?.split(' ').filter(Boolean) ?? [];
  const only = env.BENCH_EXEC_ARGV_FOR?.split(',').filter(Boolean);
  return only && !only.includes(name) ? [] : flags;
}

/** Forks target `kind` as `name` and waits (up to 180 s) until it is serving. */
export async function startTarget(
  name: string,
  kind: TargetKind,
  env: NodeJS.ProcessEnv,
  loader: string,
  root?: string,
): Promise<{ target: Target; ready: Ready }> {
  // BENCH_APP_STDOUT=<file>: keep the apps' log lines (else they go to /dev/null, as a
  // production log shipper would take them off the process without back-pressure).
  const stdout = kind === 'app' && process.env.BENCH_APP_STDOUT ? openSync(process.env.BENCH_APP_STDOUT, 'a') : 'ignore';
  const child = fork(targetFile(kind, root), [kind], {
    env,
    execArgv: [...nodeFlagsFor(name), '-r', loader],
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const ready = await new Promise<Ready>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 180 s`)), 180_000);
    child.on('message', (m: FromTarget) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolvePromise(m);
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${name} failed to start: ${m.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} while starting`));
    });
  });
  return { target: new Target(name, child, ready.port), ready };
}

/**
 * Runs `cleanup` on Ctrl-C or SIGTERM (the targets get the signal too), then leaves with 130; the
 * function returned stops listening, for a run that ends by itself and cleans up on its own.
 */
export function cleanUpOnInterrupt(message: string, cleanup: () => Promise<void>): () => void {
  const onSignal = () => {
    console.error(`interrupted: ${message}`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
