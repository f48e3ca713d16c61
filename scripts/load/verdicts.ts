import type { Scenario } from './scenarios';
import type { LoadReport } from './report';

/** One expectation checked against a run: the spec's or issue 10's, what was expected and what was measured. */
export interface Verdict {
  source: 'spec' | 'issue 10';
  what: string;
  expected: string;
  measured: string;
  pass: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const ms = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${Math.round(x)} ms`);

/**
 * Every expectation of the scenario (Scenario.expect: the spec's) and every target (Scenario.targets: issue
 * 10's) as a verdict on the report. Targets are checked whatever the offered rate, so a run with `--rate`
 * overridden says how far it is from them. A missing reading (no latency because nothing was routed, a
 * process that was not measured) fails its verdict.
 */
export function verdicts(scenario: Scenario, r: LoadReport): Verdict[] {
  const out: Verdict[] = [];
  const add = (source: Verdict['source'], what: string, expected: string, measured: string, pass: boolean) => out.push({ source, what, expected, measured, pass });
  const p95 = r.createdToRoutedMs.p95;
  const { expect, targets } = scenario;

  add('spec', 'leads routed', `>= ${pct(expect.minSuccessRate)} of stored`, pct(r.leads.successRate), r.leads.stored > 0 && r.leads.successRate >= expect.minSuccessRate);
  add('spec', 'created -> routed p95', `< ${ms(expect.p95LatencyMs)}`, ms(p95), p95 !== null && p95 < expect.p95LatencyMs);
  if (expect.maxRetryQueueDepth !== undefined) {
    add('spec', 'retry-ledger depth', `< ${expect.maxRetryQueueDepth}`, String(r.backlog.maxRetryQueueDepth), r.backlog.maxRetryQueueDepth < expect.maxRetryQueueDepth);
  }
  if (expect.drainSeconds !== undefined) {
    add('spec', 'recovery (every lead decided after the load)', `<= ${expect.drainSeconds} s`, drainText(r), r.backlog.drained && r.backlog.drainSeconds <= expect.drainSeconds);
  }
  if (!targets) return out;

  if (targets.minRoutedShare !== undefined) {
    add('issue 10', 'leads routed', `>= ${pct(targets.minRoutedShare)} of stored`, pct(r.leads.successRate), r.leads.stored > 0 && r.leads.successRate >= targets.minRoutedShare);
  }
  if (targets.p95LatencyMs !== undefined) {
    add('issue 10', 'created -> routed p95', `< ${ms(targets.p95LatencyMs)}`, ms(p95), p95 !== null && p95 < targets.p95LatencyMs);
  }
  if (targets.all202) {
    const answered202 = r.http.answers['202'] ?? 0;
    add('issue 10', 'every request answered 202', `${r.http.sent} x 202`, JSON.stringify(r.http.answers) + (r.http.noAnswer ? `, ${r.http.noAnswer} without answer` : ''), answered202 === r.http.sent);
  }
  if (targets.gatewayP95Ms !== undefined) {
    add('issue 10', 'gateway latency p95', `< ${ms(targets.gatewayP95Ms)}`, ms(r.gatewayMs.p95), r.gatewayMs.answered > 0 && r.gatewayMs.p95 < targets.gatewayP95Ms);
  }
  if (targets.nothingLost) {
    const { sent, noAnswer } = r.http;
    const { stored, failed, undecided } = r.leads;
    add('issue 10', 'nothing lost', `${sent} answered, ${sent} stored, 0 failed, 0 undecided`,
      `${sent - noAnswer} answered, ${stored} stored, ${failed} failed, ${undecided} undecided`,
      noAnswer === 0 && stored === sent && failed === 0 && undecided === 0);
  }
  if (targets.allRoutedWithinSeconds !== undefined) {
    add('issue 10', '100 % routed after the load ends', `within ${targets.allRoutedWithinSeconds} s`, `${pct(r.leads.successRate)} routed, ${drainText(r)}`,
      r.leads.stored > 0 && r.leads.routed === r.leads.stored && r.backlog.drained && r.backlog.drainSeconds <= targets.allRoutedWithinSeconds);
  }
  for (const [name, limit] of Object.entries(targets.maxRssMb ?? {})) {
    if (limit === undefined) continue;
    // In the combined deployment one process is both: it gets both budgets.
    const combined = r.processes.combined;
    const budget = combined ? (targets.maxRssMb?.worker ?? 0) + (targets.maxRssMb?.api ?? 0) : limit;
    const proc = combined ? 'combined' : name;
    if (combined && name !== 'worker') continue;
    const peak = r.processes[proc]?.peakRssMb;
    add('issue 10', `${proc} peak RSS`, `< ${budget} MB`, peak === undefined ? 'not measured' : `${Math.round(peak)} MB`, peak !== undefined && peak < budget);
  }
  return out;
}

function drainText(r: LoadReport): string {
  return r.backlog.drained ? `decided ${r.backlog.drainSeconds.toFixed(1)} s after the load` : `NOT all decided ${r.backlog.drainSeconds.toFixed(0)} s after the load`;
}

/** `PASS  spec      leads routed: expected >= 99.00 % of stored, measured 100.00 %` */
export function verdictLine(v: Verdict): string {
  return `${v.pass ? 'PASS' : 'FAIL'}  ${v.source.padEnd(8)}  ${v.what}: expected ${v.expected}, measured ${v.measured}`;
}
