import { nodeFlagsFor } from '../scripts/bench/baseline/processes';

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
