import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { Admission } from '../../lib/admission/admission';
import { startStarter } from '../../lib/admission/starter';
import { freePort } from '../../scripts/local/freePort';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createCatchAllRouting } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: true });

test('Temporal unreachable: the lead is stored and answered 202 (never 503); it waits in the admission backlog and is routed once Temporal is back', async () => {
  const { source } = await createCatchAllRouting(stack);

  // The API process during the outage: its Temporal client points at a port where nothing listens, and its
  // own starter loop keeps probing.
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
  const deadTemporal = new Client({ connection });
  const admission = Admission.fromConfig({ ...stack.config, ADMISSION_START_TIMEOUT_MS: 1_000 }, { db: stack.db, temporal: deadTemporal });
  const app = await buildApp({ db: stack.db, temporal: deadTemporal, config: stack.config, admission }, { logger: false });
  const outageStarter = startStarter(admission, { pollMs: 50 });
  const [lead, waited] = [aLead(), aLead()];
  const post = (body: Record<string, unknown>, query = '') =>
    app.inject({ method: 'POST', url: `/api/leads/route${query}`, headers: { authorization: `Bearer ${source.apiKey}` }, payload: body });
  try {
    const res = await post(lead);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'pending', statusUrl: expect.stringMatching(/^\/api\/leads\//) });
    // ?wait= during the outage: 202 pending at its deadline, not an error.
    const withWait = await post(waited, '?wait=300');
    expect(withWait.statusCode).toBe(202);
    expect(withWait.json()).toMatchObject({ status: 'pending' });
    // The loop kept trying (a probe per pass) and failed each time, leaving the leads in the backlog.
    await waitFor('the starter to have probed', async () => (admission.stats.startFailures >= 3 ? true : undefined));
    expect(admission.stats.started).toEqual({ request: 0, starter: 0 });
  } finally {
    await outageStarter.stop();
    await admission.idle(); // a request's background start, failed and released
    await app.close();
    await connection.close().catch(() => undefined);
  }
  const stored = await stack.db('leads').where({ source_workspace_id: source.id }).whereIn('external_id', [lead.externalId, waited.externalId]);
  expect(stored).toHaveLength(2);
  for (const row of stored) expect(row).toMatchObject({ routing_status: 'pending', admitted_at: null });

  // Temporal is reachable again (a starter whose client works): both leads are started and routed, no
  // partner retry needed.
  const back = Admission.fromConfig(stack.config, { db: stack.db, temporal: stack.client });
  const starter = startStarter(back, { pollMs: 50 });
  try {
    for (const row of stored) {
      await waitFor(`lead ${row.id} to be routed`, async () => {
        const now = await stack.db('leads').where({ id: row.id }).first();
        return now.routing_status === 'routed' ? now : undefined;
      });
    }
    expect(back.stats.started.starter).toBe(2);
  } finally {
    await starter.stop();
  }
}, 60_000);
