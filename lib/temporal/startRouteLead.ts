import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { routeLeadV2 } from '../../workflows/routeLead';
import { ROUTE_LEAD_WORKFLOW_TYPE, routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { RoutingStatus, SourceWorkspaceId } from './searchAttributes';

/**
 * The workflow's handle; `eagerlyStarted` is true when the server accepted an eager start (its first
 * workflow task went straight to this process's worker), false for a normal start, and undefined when the
 * workflow already existed (a closed run refused by REJECT_DUPLICATE: the handle of that run).
 */
export type StartedRouteLead = WorkflowHandle<typeof routeLeadV2> & { eagerlyStarted?: boolean };

/**
 * Starts (or finds) the workflow that routes a lead, as the type ROUTE_LEAD_WORKFLOW_TYPE (`routeLeadV2`; a run
 * found may be an older `routeLead`: the same input and result). Safe to call any number of times, concurrently:
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
  /**
   * eager: ask the server to hand the first workflow task straight back to this process's worker
   * (`requestEagerStart`; the client must be built on the worker's NativeConnection: workers/combined.ts).
   */
  { eager = false }: { eager?: boolean } = {},
): Promise<StartedRouteLead> {
  const workflowId = routeLeadWorkflowId(lead.id);
  try {
    return await client.workflow.start<typeof routeLeadV2>(ROUTE_LEAD_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [{ leadId: lead.id, sourceWorkspaceId: lead.sourceWorkspaceId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      ...(eager ? { requestEagerStart: true } : {}),
      workflowIdReusePolicy: reuse === 'allow' ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: RoutingStatus, value: 'pending' },
        { key: SourceWorkspaceId, value: lead.sourceWorkspaceId },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle<typeof routeLeadV2>(workflowId);
    throw err;
  }
}
