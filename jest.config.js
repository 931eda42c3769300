/**
 * Jest 30 on Node 24. NestJS 12 is pure ESM, loaded from our CommonJS build through
 * `require(esm)`, which Jest supports only with `--experimental-vm-modules` (set by the
 * npm scripts). Two projects: unit specs beside the code, e2e suites under test/.
 */
const { availableParallelism } = require('node:os');

const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] };

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Applies to every project (per-project testTimeout is not honoured).
  testTimeout: 60000,
  // At least two workers, even on two cores (Jest's default there is one): the e2e suites mostly
  // wait on PostgreSQL, child processes and Chromium. Measured on 2 vCPUs: the whole suite in
  // 790 s with two workers against about 2,350 s with one.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  // A worker that has run an e2e suite holds on to what it loaded, and with V8 coverage every later
  // suite in it pays for that (each coverage collection walks every script the worker ever loaded):
  // on the 2-core machine a one-second unit spec took 6–12 s late in the run. Restarting a worker
  // once it sits above this after a suite keeps each suite's cost its own. Measured on 2 vCPUs from
  // a cold cache: 1,260 s → 600 s for the whole suite (unit suites 837 → 148 s of worker time, e2e
  // 1,638 → 1,011 s).
  workerIdleMemoryLimit: '512MB',
  coverageDirectory: 'coverage',
  coverageProvider: 'v8',
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/main.ts', '!src/**/index.ts'],
  // The coverage gate (`npm test` collects coverage): the whole of src, and each domain file on its own.
  coverageThreshold: {
    global: { lines: 85, branches: 75 },
    './src/contexts/*/domain/**/*.ts': { lines: 90 },
  },
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: [
        '<rootDir>/src/**/*.spec.ts',
        '<rootDir>/migrations/**/*.spec.ts',
        '<rootDir>/test/**/*.spec.ts',
        '<rootDir>/tools/**/*.spec.ts',
      ],
      transform,
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
    },
  ],
};
