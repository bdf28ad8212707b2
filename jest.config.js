// Jest 30 + ts-jest in native ESM mode (run with --experimental-vm-modules, see package.json).
// Type checking is `npm run typecheck`; tests only transpile (isolatedModules) to start fast.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  // Tests live in test/; the product folders are roots too so coverage counts files no test loads.
  roots: ['<rootDir>/test', '<rootDir>/shared', '<rootDir>/functions', '<rootDir>/cli'],
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
  // Coverage over all product code, files no test loads included (V8's own counters: no
  // instrumentation pass). Code run in child processes (serve, bundles) is not counted, so the
  // figure is a floor. `npm test` turns it on (--coverage) and fails below the threshold; runs of
  // a few files during development do not.
  coverageProvider: 'v8',
  collectCoverageFrom: ['shared/**/*.ts', 'functions/**/*.ts', 'cli/**/*.ts'],
  coverageReporters: ['text-summary', 'json-summary'],
  coverageThreshold: { global: { lines: 86 } },
};
