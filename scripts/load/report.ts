import type { LoadWindow } from './loadWindows';
import type { ProcessUsage } from './processStats';
import type { Scenario } from './scenarios';
import type { StatementReport } from './statementStats';
import { verdictLine, type Verdict } from './verdicts';

/** The load test's own process (open loop, buyers' server, samplers) in `processes` and the windows: not the product's. */
export const LOAD_GENERATOR = 'load generator';

/** Latency percentiles in ms; null when there was nothing to measure. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** What one load run measured (also the shape of .data/load/<scenario>-<time>.json). */
export interface LoadReport {
  scenario: Scenario;
  mode: 'separate' | 'combined';
  /** The product ran from dist/ with plain node (`--built`), not through tsx. */
  built: boolean;
  machine: { cpus: number; node: string; loadAverageAtStart: number };
  startedAt: string;
  http: {
    /** Requests sent on schedule (all that were due). */
    sent: number;
    /** Answers by HTTP status ("202", "200", "429", "503", ...). */
    answers: Record<string, number>;
    /** The mix the issue asks for: 202 / 200 / 429 / 503 / any other status. */
    mix: { '202': number; '200': number; '429': number; '503': number; other: number };
    /** Requests that got no answer within the timeout (or a network error). */
    noAnswer: number;
  };
  /** From each request's due time to its answer (coordinated omission counted), ms. */
  gatewayMs: { answered: number; p50: number; p95: number; p99: number; max: number };
  leads: {
    /** Answered 2xx. */
    accepted: number;
    /** Rows in Postgres for this run's source (a 503 may still have stored the lead). */
    stored: number;
    routed: number;
    failed: number;
    expired: number;
    /** Still pending or routing when the run ended. */
    undecided: number;
    /** routed / stored. */
    successRate: number;
    outcomes: Array<{ status: string; result: string | null; count: number }>;
    maxAttemptsPerLead: number;
  };
  /** routed_at - created_at from Postgres. */
  createdToRoutedMs: Percentiles;
  /** Per routing attempt, as complete_routing() records it. */
  attemptDurationMs: { p50: number | null; p95: number | null };
  throughput: { routedPerSecond: number };
  backlog: {
    maxUndecided: number;
    maxRetryQueueDepth: number;
    drained: boolean;
    /** From the end of the offer until every lead was decided (or the drain timeout). */
    drainSeconds: number;
  };
  /** CPU and peak memory per process from the start of the offer to the end of the drain: the product's, and LOAD_GENERATOR. */
  processes: Record<string, ProcessUsage | undefined>;
  /** CPU ms of the product's processes (all measured but LOAD_GENERATOR) per routed lead. */
  cpuMsPerRoutedLead: number;
  /** The offer in consecutive windows (300 s in runs of 15 min or more), each with its routed leads and every
   *  process's CPU ms per routed lead: how the cost per lead moves during the run. The drain is in none. */
  windows: LoadWindow[];
  deliveries: number;
  /** Postgres's own count of the product's statements during the run; absent when the stack had no pg_stat_statements. */
  postgres?: PostgresStatements;
  /** Every second: leads undecided, retry-ledger depth. */
  samples: Array<{ atSeconds: number; undecided: number; retryQueueDepth: number }>;
  /**
   * Every second from the start of the offer: each process's cumulative CPU seconds (differences of two entries
   * give its CPU in between), to line a backlog in `samples` up with the process whose cost rose then.
   */
  cpuHistory: Array<{ atSeconds: number; cpuSeconds: Record<string, number | undefined> }>;
  verdicts: Verdict[];
}

/**
 * pg_stat_statements of the product's database from the start of the offer to the end of the drain
 * (scripts/load/statementStats.ts), with the totals divided by the leads routed in the run. "Statements sent"
 * are top-level ones (one client round trip each); nested ones ran inside SQL functions such as
 * decide_routing() and their time is already inside their caller's.
 */
export interface PostgresStatements extends StatementReport {
  /** topLevelCalls / routed leads; null when nothing was routed. */
  statementsPerRoutedLead: number | null;
  /** nestedCalls / routed leads; null when nothing was routed. */
  nestedStatementsPerRoutedLead: number | null;
  /** topLevelMs / routed leads: Postgres execution time (lock waits included) per routed lead, ms; null when nothing was routed. */
  statementMsPerRoutedLead: number | null;
}

/** The report's `postgres` part: `statements` as read, plus the per-routed-lead numbers. */
export function postgresSection(statements: StatementReport, routed: number): PostgresStatements {
  const per = (n: number) => (routed > 0 ? n / routed : null);
  return {
    ...statements,
    statementsPerRoutedLead: per(statements.topLevelCalls),
    nestedStatementsPerRoutedLead: per(statements.nestedCalls),
    statementMsPerRoutedLead: per(statements.topLevelMs),
  };
}

/** How many statements the printed report lists (the JSON keeps all it read). */
export const PRINTED_STATEMENTS = 8;

/**
 * The printed "postgres top statements" section: calls, total ms, mean ms and the query of the top `limit`
 * statements (nested ones, run inside a SQL function, marked), then the statements and statement time per
 * routed lead.
 */
export function formatTopStatements(pg: PostgresStatements, limit = PRINTED_STATEMENTS): string {
  const perLead = (v: number | null, digits: number) => (v === null ? 'n/a' : v.toFixed(digits));
  const rows = pg.topStatements.slice(0, limit).map((st) =>
    `    ${String(st.calls).padStart(8)}  ${st.totalMs.toFixed(0).padStart(9)}  ${st.meanMs.toFixed(2).padStart(8)}  ${st.toplevel ? '' : '[nested] '}${st.query}`);
  return [
    '  postgres top statements (by total time; from the start of the offer to the end of the drain)',
    `    ${'calls'.padStart(8)}  ${'total ms'.padStart(9)}  ${'mean ms'.padStart(8)}  query`,
    ...(rows.length ? rows : ['    (none counted)']),
    `  per routed lead  ${perLead(pg.statementsPerRoutedLead, 1)} statements sent (+ ${perLead(pg.nestedStatementsPerRoutedLead, 1)} run inside SQL functions), ${perLead(pg.statementMsPerRoutedLead, 2)} ms of statement time`,
  ].join('\n');
}

/**
 * One printed line per window, e.g. `  window 0-300 s  50.0 routed/s; CPU ms per routed lead: temporal 13.1,
 * combined 11.9, postgres 3.8` (edges in whole seconds; n/a where the report has null). The processes come in
 * the same order on every line, the one that spent most CPU over all windows first, so columns compare down.
 */
export function formatWindows(windows: readonly LoadWindow[]): string[] {
  const spent = new Map<string, number>();
  for (const w of windows) for (const [name, v] of Object.entries(w.cpuMsPerRoutedLead)) spent.set(name, (spent.get(name) ?? 0) + (v ?? 0) * w.routed);
  const names = [...spent.keys()].sort((a, b) => spent.get(b)! - spent.get(a)!);
  return windows.map((w) => {
    const perLead = names.map((name) => {
      const v = w.cpuMsPerRoutedLead[name];
      return `${name} ${v === null || v === undefined ? 'n/a' : v.toFixed(1)}`;
    }).join(', ');
    return `  window ${Math.round(w.fromSeconds)}-${Math.round(w.toSeconds)} s  ${w.routedPerSecond.toFixed(1)} routed/s; CPU ms per routed lead: ${perLead || 'no process measured'}`;
  });
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${Math.round(v)} ms`);

/** The human-readable summary of one run (the verdict lines last). */
export function formatReport(r: LoadReport, writtenTo?: string): string {
  const s = r.scenario;
  const procs = Object.entries(r.processes)
    .map(([name, u]) => (u ? `${name} ${u.cpuSeconds.toFixed(1)} s CPU (${u.cores.toFixed(2)} cores), peak ${Math.round(u.peakRssMb)} MB` : `${name} n/a`))
    .join('; ');
  return `
scenario ${s.name}: ${s.rate} leads/s offered for ${s.durationSeconds} s, ${r.mode} deployment${r.built ? ', built' : ' through tsx'} (${r.machine.cpus} cores, everything on this machine, load average ${r.machine.loadAverageAtStart.toFixed(2)} at start)
  http         ${r.http.sent} requests sent on schedule; 202 ${r.http.mix['202']}, 200 ${r.http.mix['200']}, 429 ${r.http.mix['429']}, 503 ${r.http.mix['503']}, other ${r.http.mix.other}, no answer ${r.http.noAnswer}
  gateway      from due time: p50 ${ms(r.gatewayMs.p50)}, p95 ${ms(r.gatewayMs.p95)}, p99 ${ms(r.gatewayMs.p99)}, max ${ms(r.gatewayMs.max)}
  leads        ${r.leads.accepted} accepted (2xx), ${r.leads.stored} stored, ${r.leads.routed} routed (${(r.leads.successRate * 100).toFixed(2)} % of stored), ${r.leads.failed} failed, ${r.leads.expired} expired, ${r.leads.undecided} undecided
  created->routed p50 ${ms(r.createdToRoutedMs.p50)}, p95 ${ms(r.createdToRoutedMs.p95)}, p99 ${ms(r.createdToRoutedMs.p99)}, max ${ms(r.createdToRoutedMs.max)}
  attempt      p50 ${ms(r.attemptDurationMs.p50)}, p95 ${ms(r.attemptDurationMs.p95)} (one routing attempt, as complete_routing() records it)
  throughput   ${r.throughput.routedPerSecond.toFixed(1)} leads routed/s (first created -> last routed)
  backlog      max ${r.backlog.maxUndecided} undecided, max retry-ledger depth ${r.backlog.maxRetryQueueDepth}; ${r.backlog.drained ? `drained ${r.backlog.drainSeconds.toFixed(1)} s after the load` : `NOT drained ${r.backlog.drainSeconds.toFixed(0)} s after the load`}
  processes    ${procs}; ${r.cpuMsPerRoutedLead.toFixed(1)} ms CPU per routed lead${formatWindows(r.windows).map((line) => `\n${line}`).join('')}
  deliveries   ${r.deliveries} received by the buyers${r.postgres ? `\n${formatTopStatements(r.postgres)}` : ''}${writtenTo ? `\n  written to   ${writtenTo}` : ''}
${r.verdicts.map((v) => `  ${verdictLine(v)}`).join('\n')}`;
}
