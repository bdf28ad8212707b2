// Jest 30 + ts-jest in native ESM mode (run with --experimental-vm-modules, see package.json).
// Type checking is `npm run typecheck`; tests only transpile (isolatedModules) to start fast.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  // Starts the real test bed once per run (or reuses one from `npm run testbed:up`).
  globalSetup: '<rootDir>/test/testbed/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/test/testbed/jest-global-teardown.mjs',
  testTimeout: 120_000,
  // Two cores: the test bed already uses one.
  maxWorkers: 2,
};
