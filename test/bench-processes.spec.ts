import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledPath, nodeFlagsFor, writeLoader } from '../scripts/bench/baseline/processes';

describe('benchmark processes: node flags for an investigation', () => {
  it('gives none by default', () => {
    expect(nodeFlagsFor('app', {})).toEqual([]);
  });

  it('gives BENCH_EXEC_ARGV to every process, or to those BENCH_EXEC_ARGV_FOR names', () => {
    const env = { BENCH_EXEC_ARGV: ' --trace-gc  --min-semi-space-size=16 ' };
    expect(nodeFlagsFor('fastify', env)).toEqual(['--trace-gc', '--min-semi-space-size=16']);
    const some = { ...env, BENCH_EXEC_ARGV_FOR: 'app,app-fresh' };
    expect(nodeFlagsFor('app-fresh', some)).toEqual(['--trace-gc', '--min-semi-space-size=16']);
    expect(nodeFlagsFor('app-memory', some)).toEqual([]);
  });
});

describe('benchmark processes: the require hook', () => {
  let dir: string;
  let root: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-loader-'));
    root = join(dir, 'checkout');
    mkdirSync(join(root, 'src', 'nested'), { recursive: true });
    mkdirSync(join(root, 'scripts'), { recursive: true });
    writeFileSync(join(root, 'src', 'nested', 'answer.ts'), 'export const answer: number = 6 * 7;\n');
    writeFileSync(
      join(root, 'scripts', 'entry.ts'),
      [
        "import { answer } from '../src/nested/answer';",
        "const compilerLoaded = Object.keys(require.cache).some((file) => file.includes('/node_modules/typescript/'));",
        'console.log(JSON.stringify({ answer, compilerLoaded }));',
        '',
      ].join('\n'),
    );
    writeFileSync(join(root, 'src', 'answer.spec.ts'), 'throw new Error("specs are not transpiled");\n');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('transpiles the checkout once, so that a target runs its .ts files without the TypeScript compiler', () => {
    const loader = writeLoader(join(dir, 'scratch'), [root]);
    expect(existsSync(compiledPath(join(dir, 'scratch', 'js'), join(root, 'src', 'nested', 'answer.ts')))).toBe(true);
    expect(existsSync(compiledPath(join(dir, 'scratch', 'js'), join(root, 'src', 'answer.spec.ts')))).toBe(false);
    const output = execFileSync(process.execPath, ['-r', loader, join(root, 'scripts', 'entry.ts')], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ answer: 42, compilerLoaded: false });
  });

  it('refuses a file it did not transpile, naming it', () => {
    const loader = writeLoader(join(dir, 'scratch-2'), [root]);
    const outside = join(dir, 'outside.ts');
    writeFileSync(outside, 'export {};\n');
    const run = spawnSync(process.execPath, ['-r', loader, outside], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`bench loader: ${outside} was not transpiled before the targets started`);
  });
});
