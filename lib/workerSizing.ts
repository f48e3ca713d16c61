/**
 * The SDK's workflow-task pollers (at most 10 by default) each hold a slot while they wait for a task, so
 * they are added on top: with 2 × N slots only, 8 in flight and a 16-slot worker, 40 % of starts were eager
 * in test/integration/combined.test.ts; with these 10 more, all of them.
 */
export const WORKFLOW_TASK_POLLERS = 10;

export interface SlotInputs {
  ADMISSION_MAX_IN_FLIGHT: number;
  WORKER_WORKFLOW_TASK_SLOTS?: number;
  WORKER_LOCAL_ACTIVITY_SLOTS?: number;
  WORKER_MAX_CACHED_WORKFLOWS?: number;
}

/**
 * The worker's workflow-task slots, local-activity slots and cached workflows, sized from admission control's
 * bound N (issue 10: every admitted lead finds a free slot, so an eager start is accepted): 2 × N + the pollers,
 * max(100, 4 × N), and max(2 × workflow-task slots, 100); WORKER_* settings override. One formula for the
 * config check (lib/config.ts refuses a cache below the slots at start) and the worker (workers/createWorker.ts).
 */
export function slotSizes(s: SlotInputs): { workflowTasks: number; localActivities: number; cached: number } {
  const workflowTasks = s.WORKER_WORKFLOW_TASK_SLOTS ?? 2 * s.ADMISSION_MAX_IN_FLIGHT + WORKFLOW_TASK_POLLERS;
  return {
    workflowTasks,
    localActivities: s.WORKER_LOCAL_ACTIVITY_SLOTS ?? Math.max(100, 4 * s.ADMISSION_MAX_IN_FLIGHT),
    cached: s.WORKER_MAX_CACHED_WORKFLOWS ?? Math.max(2 * workflowTasks, 100),
  };
}
