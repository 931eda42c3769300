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
