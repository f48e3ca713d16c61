import type { Client } from '@temporalio/client';
import { Admission } from '../../lib/admission/admission';
import * as claims from '../../lib/admission/claims';

/**
 * A request's `?wait=` deadline bounds its wait for the workflow start too (lib/admission/admission.ts
 * admitNow's `signal`): with Temporal hung, a start takes ADMISSION_START_TIMEOUT_MS to fail, and a
 * `?wait=100` request must not take that long. The SQL claims are stubbed (the integration tests cover them).
 */
jest.mock('../../lib/admission/claims');
const mocked = jest.mocked(claims);

const START_TIMEOUT_MS = 2_000;

/** A Temporal client whose every call hangs until its deadline, as when the server is stopped (SIGSTOP). */
const hungTemporal = {
  withDeadline: (deadlineMs: number) =>
    new Promise((_, reject) => setTimeout(() => reject(new Error('4 DEADLINE_EXCEEDED')), deadlineMs - Date.now())),
} as unknown as Client;

test('a ?wait= deadline shorter than the start timeout answers at the deadline; the start fails later in the background and puts the lead back', async () => {
  mocked.claimLead.mockResolvedValue('claimed');
  mocked.releaseClaim.mockResolvedValue();
  const admission = new Admission({ db: {} as never, temporal: hungTemporal, taskQueue: 'q', maxInFlight: 3, inFlightSeconds: 60, startTimeoutMs: START_TIMEOUT_MS });

  const began = Date.now();
  const outcome = await admission.admitNow({ id: 'lead-1', sourceWorkspaceId: 'source-1' }, { awaitStart: true, signal: AbortSignal.timeout(100) });
  expect(outcome).toEqual({ kind: 'starting' });
  expect(Date.now() - began).toBeLessThan(START_TIMEOUT_MS / 2);

  // The start is still owned by this process: a clean shutdown waits for it, and its failure releases the claim.
  expect(mocked.releaseClaim).not.toHaveBeenCalled();
  await admission.idle();
  expect(admission.stats.startFailures).toBe(1);
  expect(mocked.releaseClaim).toHaveBeenCalledWith(expect.anything(), 'lead-1');
});
