import { sampleProcesses, type ProcessUsage } from '../load/processStats';
import { seedMarketplace, type LoadStack } from '../load/stack';
import { closedLoop, type ClosedLoopResult, type LatencySummary } from './closedLoop';

/**
 * The product's routing throughput, end to end: `concurrency` closed loops, each POSTing a new lead (a new
 * person) to the gateway with `?wait=10000` (the answer comes when the lead is routed) and starting the next
 * as soon as its lead is decided; a lead still undecided when its answer comes (the wait ran out, or the
 * gateway admitted it for later) is awaited in Postgres. Throughput = leads decided / elapsed; created ->
 * routed from Postgres timestamps. A warm-up of `concurrency` x 5 leads is not counted.
 */
export async function measureEndToEnd(stack: LoadStack, opts: { concurrency: number; durationSeconds: number }): Promise<ClosedLoopResult & {
  createdToRoutedMs: LatencySummary;
  routed: number;
  processes: Record<string, ProcessUsage | undefined>;
}> {
  const { sourceId, apiKey } = await seedMarketplace(stack);
  const runId = Date.now().toString(36);
  const states = ['CA', 'TX', 'NY', 'FL', 'WA'];
  const decided = async (leadId: string) => {
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline) {
      const row = await stack.db('leads').select('routing_status').where({ id: leadId }).first();
      if (row && !['pending', 'routing'].includes(row.routing_status as string)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`lead ${leadId} not decided within 10 minutes`);
  };
  const one = (phase: string) => async (i: number) => {
    const res = await fetch(`${stack.apiUrl}/api/leads/route?wait=10000`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ externalId: `bench-${phase}-${runId}-${i}`, email: `bench.${phase}.${runId}.${i}@outlook.com`, state: states[i % states.length], product: 'mortgage' }),
    });
    const body = (await res.json()) as { leadId?: string; status?: string };
    if (res.status >= 300 || !body.leadId) throw new Error(`POST /api/leads/route answered ${res.status}`);
    if (body.status === 'pending' || body.status === 'routing') await decided(body.leadId);
  };
  await closedLoop({ concurrency: opts.concurrency, durationSeconds: 120, items: opts.concurrency * 5, run: one('warmup') });
  const measuredFrom = new Date();
  const processes = sampleProcesses(stack.pids);
  const result = await closedLoop({ concurrency: opts.concurrency, durationSeconds: opts.durationSeconds, run: one('measured') });
  const usage = processes.stop().usage;
  const { rows: [row] } = await stack.db.raw<{ rows: Array<Record<string, string | null>> }>(
    `SELECT count(*) AS routed,
            percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_disc(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
            percentile_disc(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
       FROM (SELECT extract(epoch FROM routed_at - created_at) * 1000 AS ms FROM leads
              WHERE source_workspace_id = ? AND created_at >= ? AND external_id LIKE 'bench-measured-%' AND routing_status = 'routed') t`,
    [sourceId, measuredFrom],
  );
  const n = (v: string | null | undefined) => Number(v ?? 0);
  return {
    ...result,
    routed: n(row?.routed),
    createdToRoutedMs: { count: n(row?.routed), p50: n(row?.p50), p95: n(row?.p95), p99: n(row?.p99), max: n(row?.max) },
    processes: usage,
  };
}
