import { workerSlots } from '../../workers/createWorker';

/** Combined mode's eager starts need a free workflow-task slot for every lead in flight, pollers' slots aside. */
test('slots derive from ADMISSION_MAX_IN_FLIGHT: 2N + the 10 pollers for workflow tasks, max(100, 4N) local activities', () => {
  expect(workerSlots({ ADMISSION_MAX_IN_FLIGHT: 32 })).toEqual({ maxConcurrentWorkflowTaskExecutions: 74, maxConcurrentLocalActivityExecutions: 128 });
  expect(workerSlots({ ADMISSION_MAX_IN_FLIGHT: 8 })).toEqual({ maxConcurrentWorkflowTaskExecutions: 26, maxConcurrentLocalActivityExecutions: 100 });
});

test('explicit WORKER_*_SLOTS win; without the admission setting the SDK defaults stay', () => {
  expect(workerSlots({ ADMISSION_MAX_IN_FLIGHT: 32, WORKER_WORKFLOW_TASK_SLOTS: 50, WORKER_LOCAL_ACTIVITY_SLOTS: 60 })).toEqual({ maxConcurrentWorkflowTaskExecutions: 50, maxConcurrentLocalActivityExecutions: 60 });
  expect(workerSlots({})).toEqual({});
});
