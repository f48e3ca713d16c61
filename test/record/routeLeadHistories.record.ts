import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../scripts/local/waitFor';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { startBuyerServer } from '../support/buyerServer';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack } from '../support/stack';

const dir = path.resolve(__dirname, '../fixtures/histories');

/**
 * Writes `<RECORD_HISTORIES>-<case>.json`: one lead per case routed by the current code on the real stack
 * (Postgres, the test Temporal server, a scripted buyer). Not a test: jest.config.js adds this 'record' project
 * only when RECORD_HISTORIES is set (`RECORD_HISTORIES=v4 npx jest --selectProjects record`), so the suite
 * never carries it as a skipped test. test/integration/replay.test.ts replays what it writes.
 */
const recording = process.env.RECORD_HISTORIES;
describe(`recording ${recording ?? ''} histories`, () => {
  test('one history per routing case', async () => {
    if (!recording || !/^v\d+$/.test(recording)) throw new Error('RECORD_HISTORIES must be a version such as v4');
    const stack = await startTestStack({ DELIVERY_TIMEOUT_MS: '30000' });
    const buyer = await startBuyerServer();
    try {
      await stack.startWorker();
      const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
      const otherSource = await createWorkspace(stack, { name: 'Other source', kind: 'source' });
      const partner = (name: string, urlPath: string) => createWorkspace(stack, { name, kind: 'partner', deliveryUrl: buyer.url(urlPath) });
      const [accepting, rejecting, flaky, slow] = [await partner('Accepting', '/accept'), await partner('Rejecting', '/reject'), await partner('Flaky', '/flaky'), await partner('Slow', '/slow')];
      buyer.respondWith('/reject', [422]);
      buyer.respondWith('/flaky', [503, 200]);
      // Longer than the 10 s workflow task timeout: the SDK heartbeats the task while the buyer thinks.
      buyer.respondWith('/slow', [{ status: 200, heldUntil: new Promise((resolve) => setTimeout(resolve, 12_000)) }]);
      const rule = (product: string, destinations: Array<{ id: string }>, priority: number) =>
        createRule(stack, { name: product, priority, conditions: { all: [{ field: 'product', op: 'eq', value: product }] }, destinations: destinations.map((d) => ({ workspaceId: d.id })) });
      await rule('routed', [accepting], 1);
      await rule('rejected', [rejecting, accepting], 2);
      await rule('retried', [flaky], 3);
      await rule('slow', [slow], 4);

      const record = async (name: string, leadId: string) => {
        await waitFor(`lead ${leadId} to be decided`, async () => (['routed', 'failed'].includes((await stack.db('leads').where({ id: leadId }).first()).routing_status) ? true : undefined), { timeoutMs: 60_000 });
        const handle = stack.client.workflow.getHandle(routeLeadWorkflowId(leadId));
        await handle.result();
        fs.writeFileSync(path.join(dir, `${recording}-${name}.json`), `${historyToJSON(await handle.fetchHistory())}\n`);
      };
      const post = async (apiKey: string, body: Record<string, unknown>) => (await postLead(stack, apiKey, body)).json().leadId as string;

      await record('routed', await post(source.apiKey!, aLead({ product: 'routed' })));
      await record('no-matching-rule', await post(source.apiKey!, aLead({ product: 'nothing' })));
      await record('rejected-then-next-buyer', await post(source.apiKey!, aLead({ product: 'rejected' })));
      await record('retried-then-routed', await post(source.apiKey!, aLead({ product: 'retried' })));
      await record('slow-buyer', await post(source.apiKey!, aLead({ product: 'slow' })));
      const person = aLead({ product: 'routed' });
      const original = await post(source.apiKey!, person);
      await waitFor('the original to be routed', async () => ((await stack.db('leads').where({ id: original }).first()).routing_status === 'routed' ? true : undefined));
      await record('duplicate', await post(otherSource.apiKey!, { ...person, externalId: `${person.externalId}-again` }));
    } finally {
      await buyer.close();
      await stack.stop();
    }
  }, 120_000);
});
