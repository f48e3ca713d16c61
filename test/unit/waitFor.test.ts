// waitFor (scripts/local/waitFor.ts): polls until a value, retries errors, and refuses a check that answers false
// (a session 11 test "waited" for a condition with `() => x !== undefined`: false is a value, so it never waited).
import { waitFor } from '../../scripts/local/waitFor';

test('returns the first value a check answers, retrying undefined and errors', async () => {
  let calls = 0;
  const value = await waitFor('the third call', async () => {
    calls += 1;
    if (calls === 1) throw new Error('not up yet');
    return calls === 3 ? 'ready' : undefined;
  }, { intervalMs: 1 });
  expect({ value, calls }).toEqual({ value: 'ready', calls: 3 });
});

test('null is "not yet", as undefined (a .match() or a row lookup that found nothing)', async () => {
  let calls = 0;
  expect(await waitFor('a match', async () => (++calls < 3 ? null : 'found'), { intervalMs: 1 })).toBe('found');
  expect(calls).toBe(3);
});

test('a check answering false throws at once, saying how to keep waiting', async () => {
  await expect(waitFor('a condition', async () => false, { intervalMs: 1 })).rejects.toThrow(/answered false.*answer undefined to keep waiting/);
});

test('times out naming what it waited for and the last error', async () => {
  await expect(waitFor('nothing', async () => { throw new Error('still down'); }, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(/timed out after 20 ms waiting for nothing: still down/);
});
