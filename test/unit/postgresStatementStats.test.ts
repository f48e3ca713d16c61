import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statementStatsInstalled } from '../../scripts/local/postgres';

/**
 * startLocalPostgres({ statementStats: true }) preloads pg_stat_statements only when its library is installed
 * (a missing preload library would stop the server from starting, and the load test with it).
 */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-stat-statements-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.mkdirSync(path.join(dir, 'lib'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

/** A pg_config next to the binaries that answers --pkglibdir with `libDir`. */
const fakePgConfig = (libDir: string) => {
  fs.writeFileSync(path.join(dir, 'bin', 'pg_config'), `#!/bin/sh\necho '${libDir}'\n`, { mode: 0o755 });
};

test('found in pg_config --pkglibdir: loaded, nothing said', () => {
  const libDir = path.join(dir, 'pkglib');
  fs.mkdirSync(libDir);
  fs.writeFileSync(path.join(libDir, 'pg_stat_statements.so'), '');
  fakePgConfig(libDir);
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  expect(statementStatsInstalled(path.join(dir, 'bin'))).toBe(true);
  expect(warn).not.toHaveBeenCalled();
});

test('without pg_config, the Debian layout (../lib next to bin) is looked at', () => {
  fs.writeFileSync(path.join(dir, 'lib', 'pg_stat_statements.so'), '');
  expect(statementStatsInstalled(path.join(dir, 'bin'))).toBe(true);
});

test('missing: not loaded, and said once however many servers start', () => {
  fakePgConfig(path.join(dir, 'pkglib-without-it'));
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  expect(statementStatsInstalled(path.join(dir, 'bin'))).toBe(false);
  expect(statementStatsInstalled(path.join(dir, 'bin'))).toBe(false);
  expect(warn).toHaveBeenCalledTimes(1);
  expect(warn.mock.calls[0]![0]).toMatch(/pg_stat_statements is not installed .*starting without statement statistics/);
});
