/**
 * Property-based fuzzing of the HTTP API with Schemathesis (issue 7), driven by the API's own contract.
 *
 *   npm run fuzz                      # long: every phase, 200 examples per operation, a random seed
 *   npm run fuzz -- --quick           # what `make test` runs (test/integration/schemathesis.test.ts)
 *   npm run fuzz -- --examples 500 --seed 42 --phases coverage,fuzzing,stateful --max-time 1800
 *   npm run fuzz -- --checks all      # exploratory: every Schemathesis check (405s, auth, negative data...)
 *
 * Starts a whole stack on free ports, production-shaped (scripts/load/stack.ts: Postgres, the Temporal dev
 * server, the worker and the API as their own processes, buyers that accept every delivery), creates a
 * source workspace (its API key), partners and a catch-all rule through the admin API, then runs
 * `st run <api>/openapi.json` with scripts/fuzz/schemathesis.toml: the source key on /api/leads*, the admin
 * token on /api/admin/* (each operation's `security`), and the checks that must hold for any input: no 5xx,
 * only documented statuses, bodies matching the documented schema and content type.
 * Prints the number of generated cases, the 5xx count and the schema violations; a reproducible `curl` for
 * each failure is in the Schemathesis output. Reports (JSON, NDJSON, JUnit) and the logs of the stack's
 * processes go to .data/fuzz/<time>/. Exit code 0 only without failures.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeScratchDir, startLoadStack } from '../load/stack';
import { ConfigError } from '../../lib/config';
import { envSetting } from '../../lib/config/parsers';
import { toolFailureText } from '../../lib/startErrors';

const root = path.resolve(__dirname, '../..');
export const SCHEMATHESIS_CONFIG = path.join(__dirname, 'schemathesis.toml');
export const SCHEMATHESIS_HOOKS = path.join(__dirname, 'hooks.py');

/** The `st` CLI: ST_BIN, the project's tools venv (scripts/ensure-deps.sh installs it there), or PATH. */
export function findSchemathesis(): string {
  const fromEnv = envSetting(process.env, 'ST_BIN');
  if (fromEnv) return fromEnv;
  const tools = path.join(root, '.tools', 'venv', 'bin', 'st');
  return fs.existsSync(tools) ? tools : 'st';
}

export interface FuzzOptions {
  /** Where the API listens, e.g. http://127.0.0.1:3000; the document is read from `${apiUrl}/openapi.json`. */
  apiUrl: string;
  sourceKey: string;
  adminToken: string;
  /** Protected workspace / rule id -> its decoy: changes aimed at the first go to the second (hooks.py). */
  substituteIds?: Record<string, string>;
  /** Ids that exist, offered to the generator (see runConfig). */
  known?: KnownIds;
  /** Examples per operation and phase (Schemathesis `--max-examples`). */
  maxExamples: number;
  phases: string[];
  seed?: number;
  /** Concurrent requests (default 1: with more, Python 3.11 + Hypothesis can fail with "AST constructor
   *  recursion depth mismatch", an internal race of theirs that aborts one operation's tests). */
  workers?: number;
  /** Replaces the checks of schemathesis.toml, e.g. `all` for an exploratory run. */
  checks?: string;
  /** Keep testing an operation after its first failure (finds every distinct failure; slower). */
  continueOnFailure?: boolean;
  /** Stop generating after this many seconds (Schemathesis `--max-time`). */
  maxTimeSeconds?: number;
  /** Reports go here (and the Hypothesis example database in long runs). */
  reportDir: string;
  /** Keep failing examples between runs in reportDir/../hypothesis (long runs); none in CI. */
  exampleDatabase?: string;
  /** Each line of Schemathesis output as it comes (default: discarded; the result holds all of it). */
  onOutput?: (text: string) => void;
}

export interface FuzzFailure {
  title: string;
  check: string;
  count: number;
  operations: string[];
}

export interface FuzzResult {
  exitCode: number;
  seconds: number;
  /** Test cases Schemathesis generated and sent. */
  generated: number;
  /** Distinct failures (one failing input each, after shrinking), by check. */
  failures: FuzzFailure[];
  /** Distinct failing inputs per check (Schemathesis deduplicates and shrinks them). */
  serverErrors: number;
  schemaViolations: number;
  undocumentedStatuses: number;
  /** Every answer the API gave during the run, by status (from the NDJSON event log). */
  responses: { total: number; byStatus: Record<string, number>; serverErrors: number };
  /** Errors that are not check failures (network errors, schema problems), with counts. */
  errors: Array<{ title: string; count: number }>;
  /** Operations tested / in the document. */
  operations: { total: number; tested: number } | null;
  output: string;
  reportFile: string;
}

interface JsonReport {
  exit_code: number;
  running_time: number;
  operations: { total: number; tested: number } | null;
  test_cases: { generated: number; with_failures: number; unique_failures: number };
  failures: Array<{ type: string; code: string; title: string; count: number; operations: string[] }>;
  errors: Array<{ title: string; count: number }>;
}

/** Schemathesis failure codes (`st explain <code>`) -> the check that reports them. */
const CHECK_OF_CODE: Record<string, string> = {
  ST101: 'not_a_server_error',
  ST103: 'status_code_conformance',
  ST104: 'content_type_conformance',
  ST105: 'content_type_conformance',
  ST106: 'content_type_conformance',
  ST108: 'response_schema_conformance',
  ST109: 'response_schema_conformance', // a body that is not the JSON the document promises
  ST110: 'response_schema_conformance',
};

const checkOf = (f: { type: string; code: string }): string => CHECK_OF_CODE[f.code] ?? f.type ?? f.code;

export interface KnownIds {
  sources: string[];
  partners: string[];
  /** Ids a path may name: leads, rules and workspaces that exist. */
  any: string[];
}

/**
 * Values the generator draws from part of the time (Schemathesis dictionaries), so that generated requests
 * get past "no such workspace" and "not a valid phone number" often enough to reach the routing code:
 * real workspace and lead ids, phone numbers libphonenumber accepts, emails, countries (with case and
 * whitespace the API normalizes).
 */
function dictionaries(known: KnownIds | undefined) {
  const phones = ['+1 415 555 2671', '(212) 736-5000', '+44 20 7946 0958', '+49 30 901820', '6502530000', ' +1 (650) 253-0000 '];
  const emails = ['jane@outlook.com', 'Jane.Doe+leads@Gmail.com', ' jane@outlook.com ', 'josé@exämple.de', 'o\'brien@mail.example.org'];
  const countries = ['US', 'us', ' gb ', 'DE', 'FR', 'ZZ'];
  const dicts: Record<string, { values: string[]; bind: Array<[string, number]> }> = {
    phones: { values: phones, bind: [['body.phone', 0.5], ['body.lead.phone', 0.5]] },
    emails: { values: emails, bind: [['body.email', 0.5], ['body.lead.email', 0.5]] },
    countries: { values: countries, bind: [['body.country', 0.5], ['body.lead.country', 0.5]] },
  };
  if (known) {
    dicts.sources = { values: known.sources, bind: [['body.sourceWorkspaceId', 0.6], ['query.sourceWorkspaceId', 0.5]] };
    dicts.partners = { values: known.partners, bind: [['body.destinations[*].workspaceId', 0.7]] };
    dicts.ids = { values: known.any, bind: [['path.id', 0.4]] };
  }
  return dicts;
}

/** scripts/fuzz/schemathesis.toml plus this run's dictionaries, written next to the run's reports. */
function runConfig(opts: FuzzOptions): string {
  const dicts = dictionaries(opts.known);
  const q = (s: string) => JSON.stringify(s); // a JSON string is a TOML basic string
  const lines = [fs.readFileSync(SCHEMATHESIS_CONFIG, 'utf8'), '', '# Added by scripts/fuzz/schemathesis.ts for this run.'];
  for (const [name, d] of Object.entries(dicts)) lines.push('', `[dictionaries.${name}]`, `values = [${d.values.map(q).join(', ')}]`);
  lines.push('', '[parameters]');
  for (const [name, d] of Object.entries(dicts)) {
    for (const [key, probability] of d.bind) lines.push(`${q(key)} = { dictionary = ${q(name)}, probability = ${probability} }`);
  }
  const file = path.join(opts.reportDir, 'schemathesis.toml');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export async function runSchemathesis(opts: FuzzOptions): Promise<FuzzResult> {
  fs.mkdirSync(opts.reportDir, { recursive: true });
  const reportFile = path.join(opts.reportDir, 'report.json');
  const eventsFile = path.join(opts.reportDir, 'events.ndjson');
  fs.rmSync(reportFile, { force: true });
  fs.rmSync(eventsFile, { force: true });
  const args = [
    '--no-color',
    '--config-file', runConfig(opts),
    'run', `${opts.apiUrl}/openapi.json`,
    '--max-examples', String(opts.maxExamples),
    '--phases', opts.phases.join(','),
    '--workers', String(opts.workers ?? 1),
    '--report', 'json,ndjson,junit',
    '--report-dir', opts.reportDir,
    '--report-json-path', reportFile,
    '--report-ndjson-path', eventsFile,
    '--generation-database', opts.exampleDatabase ?? 'none',
    '--wait-for-schema', '30',
  ];
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  if (opts.maxTimeSeconds !== undefined) args.push('--max-time', String(opts.maxTimeSeconds));
  if (opts.checks !== undefined) args.push('--checks', opts.checks);
  if (opts.continueOnFailure) args.push('--continue-on-failure');

  const started = Date.now();
  let output = '';
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(findSchemathesis(), args, {
      // Its own cwd: Schemathesis looks for config files and writes caches relative to it.
      cwd: opts.reportDir,
      env: {
        ...process.env,
        LR_FUZZ_SOURCE_KEY: opts.sourceKey,
        LR_FUZZ_ADMIN_TOKEN: opts.adminToken,
        LR_FUZZ_SUBSTITUTE_IDS: JSON.stringify(opts.substituteIds ?? {}),
        SCHEMATHESIS_HOOKS: SCHEMATHESIS_HOOKS,
        PYTHONUNBUFFERED: '1',
        COLUMNS: '160',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      opts.onOutput?.(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // Not installed, or ST_BIN names no program: a setup problem, said in one line (toolFailureText).
    child.once('error', (err) => reject(new ConfigError([`ST_BIN: could not run Schemathesis (${findSchemathesis()}): ${err.message}; run bash scripts/ensure-deps.sh, or set ST_BIN to the st program`])));
    child.once('exit', (code) => resolve(code ?? 1));
  });
  const seconds = (Date.now() - started) / 1000;
  if (!fs.existsSync(reportFile)) throw new Error(`Schemathesis wrote no report (exit ${exitCode}):\n${output}`);
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JsonReport;

  const failures = report.failures.map((f) => ({ title: f.title, check: checkOf(f), count: f.count, operations: f.operations }));
  const count = (check: string) => failures.filter((f) => f.check === check).reduce((n, f) => n + f.count, 0);
  return {
    exitCode,
    seconds,
    generated: report.test_cases.generated,
    failures,
    serverErrors: count('not_a_server_error'),
    schemaViolations: count('response_schema_conformance'),
    undocumentedStatuses: count('status_code_conformance'),
    responses: countResponses(eventsFile),
    errors: report.errors,
    operations: report.operations ? { total: report.operations.total, tested: report.operations.tested } : null,
    output,
    reportFile,
  };
}

/** Statuses of every response recorded in the NDJSON event log (one ScenarioFinished per test scenario). */
function countResponses(eventsFile: string): FuzzResult['responses'] {
  const byStatus: Record<string, number> = {};
  let total = 0;
  if (fs.existsSync(eventsFile)) {
    for (const line of fs.readFileSync(eventsFile, 'utf8').split('\n')) {
      if (!line.startsWith('{"ScenarioFinished"')) continue;
      const interactions = (JSON.parse(line) as { ScenarioFinished: { recorder?: { interactions?: Record<string, { response?: { status_code?: number } }> } } })
        .ScenarioFinished.recorder?.interactions ?? {};
      for (const { response } of Object.values(interactions)) {
        if (response?.status_code === undefined) continue;
        total += 1;
        byStatus[response.status_code] = (byStatus[response.status_code] ?? 0) + 1;
      }
    }
  }
  const serverErrors = Object.entries(byStatus).filter(([status]) => Number(status) >= 500).reduce((n, [, c]) => n + c, 0);
  return { total, byStatus, serverErrors };
}

export function summarize(result: FuzzResult): string {
  const lines = [
    `schemathesis: ${result.generated} generated cases over ${result.operations?.tested ?? '?'}/${result.operations?.total ?? '?'} operations in ${result.seconds.toFixed(1)} s; ` +
      `${result.responses.total} responses, ${result.responses.serverErrors} of them 5xx; ` +
      `distinct failures: 5xx ${result.serverErrors}, schema violations ${result.schemaViolations}, undocumented statuses ${result.undocumentedStatuses}; ` +
      `errors: ${result.errors.reduce((n, e) => n + e.count, 0)} (exit ${result.exitCode})`,
    `  responses by status: ${Object.entries(result.responses.byStatus).map(([status, n]) => `${status}: ${n}`).join(', ')}`,
  ];
  for (const f of result.failures) lines.push(`  ${f.check}: ${f.title} x${f.count} in ${f.operations.join(', ')}`);
  for (const e of result.errors) lines.push(`  error: ${e.title} x${e.count}`);
  lines.push(`  report: ${path.relative(process.cwd(), result.reportFile)}`);
  return lines.join('\n');
}

export interface FuzzTargets {
  sourceKey: string;
  substituteIds: Record<string, string>;
  known: KnownIds;
}

/**
 * What the run needs in the database, created through the admin API: a source (its key is the fuzzer's
 * credential), a partner delivering to `buyerUrl` and a catch-all rule (so generated leads are routed and
 * `?wait` answers come back quickly), and a decoy of each that takes the changes aimed at them (hooks.py).
 */
export async function seedFuzzTargets(apiUrl: string, adminToken: string, buyerUrl: string): Promise<FuzzTargets> {
  const post = async (url: string, token: string, body: unknown, expected: number[]) => {
    const res = await fetch(`${apiUrl}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!expected.includes(res.status)) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; apiKey?: string; leadId?: string };
  };
  const create = (url: string, body: unknown) => post(url, adminToken, body, [201]);
  const substituteIds: Record<string, string> = {};
  const withDecoy = async (url: string, body: Record<string, unknown>, decoyBody: Record<string, unknown>) => {
    const real = await create(url, body);
    substituteIds[real.id] = (await create(url, decoyBody)).id;
    return real;
  };
  const source = await withDecoy('/api/admin/workspaces', { name: 'Fuzz source', kind: 'source' }, { name: 'Fuzz source (decoy)', kind: 'source' });
  const partner = { name: 'Fuzz buyer', kind: 'partner', deliveryUrl: buyerUrl };
  const buyer = await withDecoy('/api/admin/workspaces', partner, { ...partner, name: 'Fuzz buyer (decoy)' });
  // Evaluated last (highest priority number), after any rule the fuzzer creates.
  const rule = { name: 'everything', priority: 1_000_000, destinations: [{ workspaceId: buyer.id }] };
  const everything = await withDecoy('/api/admin/rules', rule, { ...rule, name: 'everything (decoy)', destinations: [{ workspaceId: substituteIds[buyer.id] }] });
  // Two leads, so that lead ids in paths can name leads that exist.
  const leads = [];
  for (const externalId of ['fuzz-seed-1', 'fuzz-seed-2']) {
    leads.push((await post('/api/leads/route?wait=5000', source.apiKey!, { externalId, email: `${externalId}@outlook.com` }, [200, 202])).leadId!);
  }
  const known: KnownIds = {
    sources: [source.id, substituteIds[source.id]!],
    partners: [buyer.id, substituteIds[buyer.id]!],
    any: [...leads, everything.id, substituteIds[everything.id]!, source.id, buyer.id],
  };
  return { sourceKey: source.apiKey!, substituteIds, known };
}

/** The run sizes: `--quick` is the CI run, the default the long one. */
export const QUICK = { maxExamples: 40, phases: ['examples', 'coverage', 'fuzzing'], seed: 1 } as const;
export const LONG = { maxExamples: 200, phases: ['examples', 'coverage', 'fuzzing', 'stateful'], continueOnFailure: true } as const;

/** The stack's settings for fuzzing: limits far away, and failing deliveries give up quickly. */
export const FUZZ_STACK_ENV = {
  RATE_LIMIT_PER_MINUTE: '1000000',
  AUTH_FAILURES_PER_MINUTE: '1000000',
  DELIVERY_TIMEOUT_MS: '1000',
  ROUTING_RETRY_BASE_SECONDS: '1',
  ROUTING_RETRY_MAX_SECONDS: '5',
  MAINTENANCE_SCHEDULES: 'false',
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const quick = process.argv.includes('--quick');
  const base = quick ? QUICK : LONG;
  const seedArg = arg('seed');
  const options = {
    maxExamples: Number(arg('examples') ?? base.maxExamples),
    phases: (arg('phases') ?? base.phases.join(',')).split(','),
    seed: seedArg !== undefined ? Number(seedArg) : 'seed' in base ? base.seed : undefined,
    workers: Number(arg('workers') ?? 1),
    checks: arg('checks'),
    continueOnFailure: 'continueOnFailure' in base,
    maxTimeSeconds: arg('max-time') !== undefined ? Number(arg('max-time')) : undefined,
  };
  const dir = makeScratchDir(path.join(root, '.data', 'fuzz'));
  console.log(`fuzz: starting the stack in ${path.relative(process.cwd(), dir)} ...`);
  const stack = await startLoadStack(dir, FUZZ_STACK_ENV);
  let exitCode: number;
  try {
    const targets = await seedFuzzTargets(stack.apiUrl, stack.adminToken, stack.buyerUrl);
    console.log(`fuzz: API at ${stack.apiUrl} (docs: ${stack.apiUrl}/docs); running Schemathesis: ${JSON.stringify(options)}`);
    const result = await runSchemathesis({
      apiUrl: stack.apiUrl,
      ...targets,
      adminToken: stack.adminToken,
      ...options,
      reportDir: path.join(dir, 'schemathesis'),
      exampleDatabase: quick ? 'none' : path.join(root, '.data', 'fuzz', 'hypothesis'),
      onOutput: (text) => process.stdout.write(text),
    });
    console.log(`\n${summarize(result)}\nlogs of the API and worker: ${path.relative(process.cwd(), dir)}/{api,worker}.log`);
    exitCode = result.exitCode === 0 && result.failures.length === 0 && result.errors.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
    // The databases are of no use after the run; the reports and the services' logs stay.
    for (const data of ['pg', 'temporal.db', 'temporal.db-wal', 'temporal.db-shm']) fs.rmSync(path.join(dir, data), { recursive: true, force: true });
  }
  process.exit(exitCode);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(toolFailureText('fuzz failed', err));
    process.exit(1);
  });
}
