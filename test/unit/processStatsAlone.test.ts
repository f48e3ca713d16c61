import { spawn } from 'node:child_process';
import { readProcesses } from '../../scripts/load/processStats';
import { waitFor } from '../../scripts/local/waitFor';

/**
 * The load test reads its own process (the load generator and buyers) `alone`: its children are the product's
 * processes, measured under their own names, and must not be counted twice.
 */
test('a process read alone leaves out its children; read as a tree it includes them', async () => {
  // A child that burns CPU until killed.
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    const pids = { self: process.pid, tree: process.pid, child: child.pid };
    const before = readProcesses(pids, new Set(['self']));
    await waitFor('the child to spend 0.5 s of CPU', async () => {
      const now = readProcesses({ child: child.pid });
      return (now.child?.cpuSeconds ?? 0) - (before.child?.cpuSeconds ?? 0) >= 0.5 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50 });
    const after = readProcesses(pids, new Set(['self']));
    const spent = (name: keyof typeof pids) => after[name]!.cpuSeconds - before[name]!.cpuSeconds;
    expect(after.tree!.processes).toBeGreaterThanOrEqual(2);
    expect(after.self!.processes).toBe(1);
    // The tree grew by at least what the child spent; the process alone by less than that (it mostly waited).
    expect(spent('tree')).toBeGreaterThanOrEqual(spent('child') - 0.02);
    expect(spent('self')).toBeLessThan(spent('child'));
    expect(spent('tree') - spent('self')).toBeGreaterThanOrEqual(spent('child') - 0.05);
  } finally {
    child.kill('SIGKILL');
  }
});
