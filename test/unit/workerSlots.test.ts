import { workerSlots } from '../../workers/createWorker';

/** Combined mode's eager starts need a free workflow-task slot for every lead in flight, pollers' slots aside. */
test('slots derive from ADMISSION_MAX_IN_FLIGHT: 2N + the 10 pollers for workflow tasks, max(100, 4N) local activities', () => {
  expect(workerSlots({ ADMISSION_MAX_IN_FLIGHT: 32 })).toEqual({ maxConcurrentWorkflowTaskExecutions: 74, maxConcurrentLocalActivityExecutions: 128, maxCachedWorkflows: 148 });
  expect(workerSlots({ ADMISSION_MAX_IN_FLIGHT: 8 })).toEqual({ maxConcurrentWorkflowTaskExecutions: 26, maxConcurrentLocalActivityExecutions: 100, maxCachedWorkflows: 100 });
});

test('explicit WORKER_*_SLOTS win; without the admission setting the SDK defaults stay', () => {
  expect(workerSlots({ ADMISSION_MAX_IN_FLIGHT: 32, WORKER_WORKFLOW_TASK_SLOTS: 50, WORKER_LOCAL_ACTIVITY_SLOTS: 60 })).toEqual({ maxConcurrentWorkflowTaskExecutions: 50, maxConcurrentLocalActivityExecutions: 60, maxCachedWorkflows: 100 });
  expect(workerSlots({})).toEqual({});
});

/** Under the processes' heap limits the SDK's heap-derived cache default (10) would cut the slots to 10. */
test('the workflow cache is at least the workflow-task slots: set explicitly, or refused by name', () => {
  expect(workerSlots({ ADMISSION_MAX_IN_FLIGHT: 100 }).maxCachedWorkflows).toBe(420);
  expect(workerSlots({ ADMISSION_MAX_IN_FLIGHT: 32, WORKER_MAX_CACHED_WORKFLOWS: 74 }).maxCachedWorkflows).toBe(74);
  expect(() => workerSlots({ ADMISSION_MAX_IN_FLIGHT: 32, WORKER_MAX_CACHED_WORKFLOWS: 50 })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS \(50\) must be at least the workflow-task slots \(74/);
});
