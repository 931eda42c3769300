/**
 * The parent's side of the target processes (./targets.ts, ./app-target.ts): starting one
 * with `fork` under a plain TypeScript require hook, asking it something over IPC, stopping it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FromTarget, TargetKind, ToTarget } from './targets';

export type Ready = Extract<FromTarget, { type: 'ready' }>;

/** A target's entry file; `root` is another checkout (BENCH_CANDIDATE) whose app is measured too. */
const targetFile = (kind: TargetKind, root = resolve(__dirname, '..', '..', '..')) =>
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

/**
 * A `.ts` require hook for the target processes: `typescript.transpileModule` with the
 * project's compiler options (what `ts-node -T` does), written to a temporary file. Not
 * ts-node itself: its `register` loads `node:repl` and with it `node:domain`, which wraps
 * every `EventEmitter` emit and init in the whole process; production (`node dist/...`) runs
 * without it, and so must the processes measured here and the load generator.
 */
export function writeLoader(dir: string): string {
  const tsconfig = resolve(__dirname, '..', '..', '..', 'tsconfig.json');
  const file = join(dir, 'ts-loader.js');
  writeFileSync(
    file,
    `'use strict';
const fs = require('node:fs');
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const { config } = ts.readConfigFile(${JSON.stringify(tsconfig)}, ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ${JSON.stringify(dirname(tsconfig))});
const compilerOptions = { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, declaration: false };
delete compilerOptions.moduleResolution;
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  module._compile(ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText, filename);
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
