// Two projects: fast pure unit tests, and integration tests that share one Postgres + one Temporal
// dev server started by test/support/globalSetup.ts (each test file gets its own database and task queue).
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
// light-my-request (fastify's inject) requires `cookie`, which ships ESM only: let swc compile it to CJS.
const transformIgnorePatterns = ['/node_modules/(?!(cookie|content-disposition)/)'];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  // The Temporal SDK's native runtime keeps a threadsafe callback alive for ~25 s after its last worker
  // shuts down (measured; no JS handle shows it). Every test stack closes its own resources explicitly
  // (test/support/stack.ts), so exiting when the run is done hides no leak of ours.
  forceExit: true,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
    // Recording new workflow histories for the replay test: a tool on the real stack, not a test, so it
    // exists only when asked for (RECORD_HISTORIES=v4 npx jest --selectProjects record).
    ...(process.env.RECORD_HISTORIES
      ? [{
          displayName: 'record',
          testMatch: ['<rootDir>/test/record/**/*.record.ts'],
          transform,
          transformIgnorePatterns,
          testEnvironment: 'node',
          globalSetup: '<rootDir>/test/support/globalSetup.ts',
          globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
        }]
      : []),
  ],
};
