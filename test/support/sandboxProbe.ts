import { waitFor } from '../../scripts/local/waitFor';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { startBuyerServer, type BuyerServer } from './buyerServer';
import { aLead, createRule, createWorkspace, postLead } from './fixtures';
import { startTestStack, type TestStack } from './stack';

/**
 * A stack whose only buyer answers 500 first, so a lead's workflow sits on its retry timer (retries after
 * 60 s): an open workflow to query. Used by the workflow-sandbox tests (workers/workflowSandbox.ts).
 */
export async function startWaitingLeadStack(env: Record<string, string>): Promise<{
  stack: TestStack;
  buyer: BuyerServer;
  /** Posts a lead and resolves once its workflow waits for its retry; returns the workflow handle. */
  waitingLead(): Promise<{ leadId: string; query(name: string): Promise<unknown> }>;
  stop(): Promise<void>;
}> {
  const stack = await startTestStack({ ROUTING_RETRY_BASE_SECONDS: '60', ROUTING_RETRY_MAX_SECONDS: '60', ...env });
  const buyer = await startBuyerServer();
  await stack.startWorker();
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const target = await createWorkspace(stack, { name: 'Buyer', kind: 'partner', deliveryUrl: buyer.url('/buyer') });
  await createRule(stack, { name: 'everything', priority: 1, destinations: [{ workspaceId: target.id }] });
  return {
    stack,
    buyer,
    async waitingLead() {
      buyer.respondWith('/buyer', [500, 200]);
      const res = await postLead(stack, source.apiKey!, aLead());
      if (res.statusCode !== 202) throw new Error(`post lead: ${res.statusCode} ${res.body}`);
      const leadId = res.json().leadId as string;
      await waitFor('the lead to wait for its retry', async () => {
        const row = await stack.db('lead_routing_queue').where({ lead_id: leadId }).whereNull('processed_at').first();
        return row ?? undefined;
      });
      const handle = stack.client.workflow.getHandle(routeLeadWorkflowId(leadId));
      return { leadId, query: (name: string) => handle.query(name) };
    },
    async stop() {
      await stack.stop();
      await buyer.close();
    },
  };
}
