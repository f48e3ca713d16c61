import { ESLint } from 'eslint';
import path from 'node:path';

/**
 * The lint rule that keeps workflow code deterministic (eslint.config.js) must really fire: lint
 * snippets as if they were files in workflows/ and in activities/.
 */
const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({
  cwd: root,
  // ESLint loads its config file with import(), which jest's VM lacks: hand it the same config directly.
  overrideConfigFile: true,
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the config file is CommonJS
  baseConfig: require(path.join(root, 'eslint.config.js')),
  overrideConfig: {
    // Type-aware rules need files on disk; the import rule under test does not.
    languageOptions: { parserOptions: { projectService: false, project: null } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
});

async function importErrors(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

test.each([
  ["import { Pool } from 'pg';"],
  ["import tracer from 'dd-trace';"],
  ["import knex from 'knex';"],
  ["import fs from 'fs';"],
  ["import { readFileSync } from 'node:fs';"],
  ["import http from 'node:http';"],
  ["import { Client } from '@temporalio/client';"],
  ["import { Context } from '@temporalio/activity';"],
  ["import { createActivities } from '../activities';"],
  ["import { getLeadState } from '../lib/store/leads';"],
  ["import { createDb } from '../lib/db/createDb';"],
])('workflow code may not import side effects: %s', async (line) => {
  expect(await importErrors(`${line}\nexport const x = 1;\n`, 'workflows/example.ts')).toHaveLength(1);
});

test.each([
  ["import { proxyActivities, sleep } from '@temporalio/workflow';"],
  ["import type { createActivities } from '../activities';"],
  ["import type { Pool } from 'pg';"],
  ["import { RoutingStatus } from '../lib/temporal/searchAttributes';"],
  ["import { evaluateRules } from '../lib/rules/evaluate';"],
])('workflow code may import the workflow SDK, pure modules and types: %s', async (line) => {
  expect(await importErrors(`${line}\nexport const x = 1;\n`, 'workflows/example.ts')).toEqual([]);
});

test('the restriction applies to workflows/ only: activities may do I/O', async () => {
  expect(await importErrors("import { Pool } from 'pg';\nexport const x = Pool;\n", 'activities/example.ts')).toEqual([]);
});
