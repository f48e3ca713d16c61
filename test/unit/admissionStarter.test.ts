import type { Admission } from '../../lib/admission/admission';
import * as claims from '../../lib/admission/claims';
import { startStarter, type Starter } from '../../lib/admission/starter';

/**
 * The starter loop's pacing (lib/admission/starter.ts), with the SQL claims stubbed: the integration test
 * (test/integration/admission.test.ts) covers the claims themselves on the real stack.
 */
jest.mock('../../lib/admission/claims');
const mocked = jest.mocked(claims);

const POLL_MS = 3_000; // the busy interval is POLL_MS / 5 = 600 ms

function fakeAdmission(maxInFlight: number): Admission {
  return {
    db: {} as never,
    limits: { maxInFlight, inFlightSeconds: 60 },
    temporalUnavailable: false,
    onStored: () => () => undefined,
    startClaimed: jest.fn(async () => ({}) as never),
  } as unknown as Admission;
}

let starter: Starter | undefined;
afterEach(async () => {
  await starter?.stop();
  starter = undefined;
  jest.resetAllMocks();
});

test('a pass that took all the room while leads still wait polls again at the busy interval, not the idle one', async () => {
  // Room for 1 of the 3 asked for, leads still waiting: the drain of a backlog with no new requests.
  mocked.hasBacklog.mockResolvedValue(true);
  const calls: number[] = [];
  mocked.claimBatch.mockImplementation(async () => {
    calls.push(Date.now());
    return [{ id: `lead-${calls.length}`, sourceWorkspaceId: 'source-1' }];
  });
  starter = startStarter(fakeAdmission(3), { pollMs: POLL_MS });
  const deadline = Date.now() + POLL_MS / 2;
  while (calls.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(calls.length).toBeGreaterThanOrEqual(2);
  expect(calls[1]! - calls[0]!).toBeLessThan(POLL_MS / 2);
});

test('a pass that emptied the backlog with room to spare sleeps the idle interval', async () => {
  const calls: number[] = [];
  mocked.claimBatch.mockImplementation(async () => {
    calls.push(Date.now());
    return calls.length === 1 ? [{ id: 'lead-1', sourceWorkspaceId: 'source-1' }] : [];
  });
  mocked.hasBacklog.mockResolvedValue(false);
  starter = startStarter(fakeAdmission(3), { pollMs: POLL_MS });
  await new Promise((r) => setTimeout(r, POLL_MS / 2));
  expect(calls).toHaveLength(1);
});
