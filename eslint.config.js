// Lint rules that guard the architecture, not just style:
//  - workflow code is replayed by Temporal and must stay deterministic: it may import only the workflow
//    SDK, other workflow files, pure lib/ modules and types; no Node built-ins, I/O or telemetry packages;
//  - no floating promises anywhere: an unawaited DB write or workflow start is a lost lead.
const tseslint = require('typescript-eslint');
const js = require('@eslint/js');

const SIDE_EFFECT_MODULES = [
  'dd-trace', 'pg', 'knex', 'pino', 'fastify', '@fastify/*', 'libphonenumber-js', 'zod',
  '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing',
];
const NODE_BUILTINS = require('node:module').builtinModules.filter((m) => !m.startsWith('_'));

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.tools/**', 'coverage/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [...SIDE_EFFECT_MODULES, ...NODE_BUILTINS, ...NODE_BUILTINS.map((m) => `node:${m}`)]
          .filter((name) => !name.includes('*'))
          .map((name) => ({ name, message: 'workflow code must be deterministic: no I/O or side-effect imports (DESIGN §3)', allowTypeImports: true })),
        patterns: [
          { group: ['@fastify/*'], message: 'workflow code must not import side-effect packages', allowTypeImports: true },
          // Workflows may reach into lib/ only for pure modules; activities, api and workers are off limits.
          { group: ['**/activities', '**/activities/**', '**/api/**', '**/workers/**', '**/lib/db/**', '**/lib/store/**', '**/lib/logger', '**/lib/config', '**/lib/identity', '**/lib/apiKeys'],
            message: 'workflow code may import only types from here (activities run outside the workflow sandbox)', allowTypeImports: true },
        ],
      }],
    },
  },
  {
    files: ['scripts/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
