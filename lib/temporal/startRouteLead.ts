import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { routeLead } from '../../workflows/routeLead';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { RoutingStatus, SourceWorkspaceId } from './searchAttributes';

/**
 * Starts (or finds) the routeLead workflow of a lead. Safe to call any number of times, concurrently:
 * USE_EXISTING returns the running workflow, REJECT_DUPLICATE refuses a second run once one has closed,
 * so a lead is never routed by two runs started from the API.
 */
export async function startRouteLead(
  client: Client,
  taskQueue: string,
  lead: { id: string; sourceWorkspaceId: string },
  /**
   * 'reject' (the API): never a second run once one has closed. 'allow' (re-drives by the retry-queue
   * processor, the stale-lock sweeper and an operator): a new run after a crashed or terminated one;
   * still exactly-once, because the routing lock and complete_routing() guard the decision.
   */
  reuse: 'reject' | 'allow' = 'reject',
): Promise<WorkflowHandle<typeof routeLead>> {
  const workflowId = routeLeadWorkflowId(lead.id);
  try {
    return await client.workflow.start<typeof routeLead>('routeLead', {
      taskQueue,
      workflowId,
      args: [{ leadId: lead.id, sourceWorkspaceId: lead.sourceWorkspaceId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: reuse === 'allow' ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: RoutingStatus, value: 'pending' },
        { key: SourceWorkspaceId, value: lead.sourceWorkspaceId },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle<typeof routeLead>(workflowId);
    throw err;
  }
}
