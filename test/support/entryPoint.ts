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

/** An entry point left running by startEntryPoint. */
export interface RunningEntryPoint {
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
  /** SIGKILL, then waits for the exit (a test of a start does not need its graceful stop). */
  stop(): Promise<void>;
}

/**
 * Starts an entry point like runEntryPoint, and resolves once its output matches `ready` (it started as
 * expected). It exiting first, or not matching within `timeoutMs` (then it is killed), is a failure with its output.
 */
export async function startEntryPoint(entry: string, env: Record<string, string | undefined>, ready: RegExp, timeoutMs = 60_000): Promise<RunningEntryPoint> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, entry)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const stop = async () => {
    if (!exited) child.kill('SIGKILL');
    await exit;
  };
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<'ready' | 'exited' | 'timeout'>((resolve) => {
    const onData = (c: Buffer) => {
      output += c;
      if (ready.test(output)) resolve('ready');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exit.then(() => resolve('exited'));
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await stop();
    throw new Error(`${entry} ${outcome === 'exited' ? 'exited' : `did not print ${ready} within ${timeoutMs} ms`}:\n${output}`);
  }
  return { output: () => output, stop };
}
