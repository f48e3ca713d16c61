import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * Runs a process entry point (`api/server.ts`, `workers/main.ts`, `workers/combined.ts`) through tsx with exactly
 * `env` (nothing inherited but what the caller passes) until it exits; one still running after `timeoutMs` is
 * killed and is a failure (a process that hangs at start is a bug too). Its exit code and everything it printed,
 * stdout and stderr together.
 */
export async function runEntryPoint(entry: string, env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, entry)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`${entry} still running after ${timeoutMs} ms:\n${output}`);
  }
  return { code, output };
}
