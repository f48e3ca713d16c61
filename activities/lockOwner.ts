import { Context } from '@temporalio/activity';

/**
 * The routing lock's owner is the workflow *run*: every retry of an activity in that run presents the
 * same owner (re-entrant, DESIGN invariant 5), while another run, or another workflow, is a stranger.
 */
export function currentLockOwner(): string {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('routing activities must run inside a workflow (no workflow execution in context)');
  return `${execution.workflowId}/${execution.runId}`;
}
