/**
 * Two lanes. `unit`: pure logic under test/unit/ (no server, no network, no child process), files in
 * parallel; `npm run test:unit` runs it alone, in seconds. The full lane, everything else, one file
 * at a time: `full` against one real Temporal dev server (started by globalSetup) and real
 * processes, and `time-skipping` (test/time-skipping/), each file on Temporal's Java test server
 * of its own, no dev server. `npm test` runs all of them.
 */
// swc, not ts-jest: it is what the worker's workflow bundler already uses, and it is fast.
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120_000,
  // Tests of the full lane share one server and spawn real processes: run files one at a time
  // (unit files too when both lanes run together; `test:unit` alone overrides this).
  maxWorkers: 1,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      displayName: 'full',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/', '<rootDir>/test/time-skipping/'],
      transform,
      // One Temporal dev server for the whole run, on free ports (test/support/global-setup.ts).
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      displayName: 'time-skipping',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/time-skipping'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
  ],
};
