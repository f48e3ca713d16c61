import { freePort } from '../../scripts/local/freePort';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * The Temporal SDK's own worker metrics on the Prometheus endpoint the Datadog Agent scrapes (issue 8, §2):
 * the stack installs the process-wide Runtime with the endpoint, as workers/main.ts does.
 */
let url: string;
const stack = useTestStack({
  worker: true,
  env: async () => {
    const bind = `127.0.0.1:${await freePort()}`;
    url = `http://${bind}/metrics`;
    return { TEMPORAL_PROMETHEUS_BIND_ADDRESS: bind };
  },
});

test('after a lead is routed, the worker exposes schedule-to-start latency, sticky cache and slot metrics', async () => {
  const source = await createWorkspace(stack, { name: 'SDK metrics source', kind: 'source' });
  const partner = await createWorkspace(stack, { name: 'SDK metrics partner', kind: 'partner' });
  await createRule(stack, { name: 'All', priority: 1, destinations: [{ workspaceId: partner.id }] });
  const res = await postLead(stack, source.apiKey!, aLead(), '?wait=10000');
  expect(res.json()).toMatchObject({ status: 'routed' });

  const text = await waitFor('SDK metrics to be exported', async () => {
    const body = await fetch(url).then((r) => r.text()).catch(() => '');
    return body.includes('temporal_workflow_task_schedule_to_start_latency') ? body : undefined;
  });
  for (const name of [
    'temporal_workflow_task_schedule_to_start_latency',
    'temporal_workflow_task_execution_latency',
    'temporal_sticky_cache_size',
    'temporal_worker_task_slots_available',
    'temporal_workflow_completed',
  ]) {
    expect(text).toContain(name);
  }
  expect(text).toContain(`task_queue="${stack.config.TEMPORAL_TASK_QUEUE}"`);
});
