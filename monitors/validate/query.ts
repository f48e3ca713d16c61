/**
 * Query-level checks shared by every monitors:validate check: metric query syntax
 * (`aggregator:metric{scope} [by {tags}]` plus `.as_count()` / `.rollup()` / `.fill()`, `default_zero()`, balanced braces and
 * parentheses; percentiles only on distributions, `.as_count()` only on counts, scope and group-by tags among
 * the metric's catalogued tags), the metric allow-list (lib/telemetry/catalog.ts + monitors/externalMetrics.ts),
 * and deserialisation by @datadog/datadog-api-client's model classes.
 */
import { v1 } from '@datadog/datadog-api-client';
import { METRICS } from '../../lib/telemetry/catalog';
import { EXTERNAL_METRICS } from '../externalMetrics';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Tags every metric carries besides its catalogued ones (added by the client, or by the Agent). */
const UNIVERSAL_TAGS = ['env', 'service', 'version', 'host'];
export const PERCENTILES = ['p50', 'p75', 'p90', 'p95', 'p99', 'p99.9'];
const SPACE_AGGREGATORS = ['avg', 'sum', 'min', 'max', 'count', ...PERCENTILES];

export function isAllowedMetric(name: string): boolean {
  return Object.hasOwn(METRICS, name) || Object.hasOwn(EXTERNAL_METRICS, name);
}

/** Balanced `{}` and `()`, properly nested. */
export function balanced(s: string): boolean {
  const stack: string[] = [];
  for (const c of s) {
    if (c === '{' || c === '(') stack.push(c);
    else if (c === '}' || c === ')') {
      if (stack.pop() !== (c === '}' ? '{' : '(')) return false;
    }
  }
  return stack.length === 0;
}

const TERM = new RegExp(
  '^([a-z0-9.]+):([a-zA-Z][a-zA-Z0-9_.]*)\\{([^{}]*)\\}' + // aggregator:metric{scope}
  '(?:\\s+by\\s+\\{([^{}]+)\\})?' + // by {tags}
  '((?:\\.as_count\\(\\)|\\.as_rate\\(\\)|\\.rollup\\((?:sum|avg|min|max|count)(?:,\\s*\\d+)?\\)|\\.fill\\((?:null|zero|last|linear)(?:,\\s*\\d+)?\\))*)$',
);
const SCOPE_ITEM = /^!?([a-zA-Z][a-zA-Z0-9_.-]*)(?::([a-zA-Z0-9_.*:/-]+))?$/;

/** `default_zero(<term>)`: a missing series counts as 0 (for sparse counts in arithmetic); the inner term is checked. */
const DEFAULT_ZERO = /^default_zero\((.+)\)$/;

/** Problems of one metric term `aggregator:metric{scope} [by {tags}][.fn()…]`, optionally in `default_zero()`; `where` prefixes each message. */
export function checkMetricTerm(term: string, where: string): string[] {
  const wrapped = DEFAULT_ZERO.exec(term.trim());
  if (wrapped) return checkMetricTerm(wrapped[1] ?? '', where);
  const m = TERM.exec(term.trim());
  if (!m) return [`${where}: "${term}" is not aggregator:metric{scope} [by {tags}] (with .as_count(), .rollup(), .fill())`];
  const [, agg = '', metric = '', scope = '', by, fns = ''] = m;
  const problems: string[] = [];
  if (!SPACE_AGGREGATORS.includes(agg)) problems.push(`${where}: unknown aggregator "${agg}" in "${term}"`);
  if (!isAllowedMetric(metric)) {
    problems.push(`${where}: metric "${metric}" is not in lib/telemetry/catalog.ts nor in monitors/externalMetrics.ts`);
    return problems;
  }
  const def = Object.hasOwn(METRICS, metric) ? METRICS[metric as keyof typeof METRICS] : undefined;
  const scopeItems = scope.trim() === '*' ? [] : scope.split(',').map((s) => s.trim());
  const tagKeys: string[] = [];
  for (const item of scopeItems) {
    const sm = SCOPE_ITEM.exec(item);
    if (!sm) problems.push(`${where}: bad scope item "${item}" in "${term}"`);
    else tagKeys.push(sm[1] ?? '');
  }
  if (by !== undefined) tagKeys.push(...by.split(',').map((t) => t.trim()));
  if (def) {
    const allowed: readonly string[] = [...def.tags, ...UNIVERSAL_TAGS];
    for (const k of tagKeys) if (!allowed.includes(k)) problems.push(`${where}: tag "${k}" is not a tag of ${metric} (catalog: ${def.tags.join(', ') || 'none'})`);
    if (PERCENTILES.includes(agg) && def.type !== 'distribution') problems.push(`${where}: ${agg} on ${metric}, which is a ${def.type}, not a distribution`);
    if (fns.includes('.as_count()') && def.type !== 'count') problems.push(`${where}: .as_count() on ${metric}, which is a ${def.type}`);
    // Every catalogued gauge is one whole value per sender (a database-wide count from whichever worker ran
    // the activity, a process's pool): summed across hosts it counts that value once per reporting host.
    if (agg === 'sum' && def.type === 'gauge') problems.push(`${where}: sum: on the gauge ${metric} adds up the series of every host that sent it; use max: or avg:`);
  }
  return problems;
}

/**
 * Splits an arithmetic expression of metric terms (`a + b`, `a / (b + c) * 100`) at operators written with a
 * space before them outside `{}`, then drops grouping parentheses left unbalanced on a term's edges.
 */
export function splitTerms(expr: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i] ?? '';
    if (c === '{') depth++;
    if (c === '}') depth--;
    if (depth === 0 && /[+\-*/]/.test(c) && expr[i - 1] === ' ') { terms.push(cur); cur = ''; continue; }
    cur += c;
  }
  terms.push(cur);
  const count = (s: string, ch: string) => s.split(ch).length - 1;
  return terms.map((raw) => {
    let t = raw.trim();
    while (t.startsWith('(') && count(t, '(') > count(t, ')')) t = t.slice(1).trim();
    while (t.endsWith(')') && count(t, ')') > count(t, '(')) t = t.slice(0, -1).trim();
    return t;
  }).filter((t) => t !== '' && !/^\d+(\.\d+)?$/.test(t));
}

/** Problems of a metrics query string (one term, or an arithmetic of terms as in SLO numerators). */
export function checkMetricQuery(query: string, where: string): string[] {
  if (!balanced(query)) return [`${where}: unbalanced braces or parentheses in "${query}"`];
  return splitTerms(query).flatMap((t) => checkMetricTerm(t, where));
}

/** Deserialises with the client's model classes; a problem if it throws or leaves part of it unparsed. */
export function deserializeProblems(obj: unknown, type: string, where: string): string[] {
  try {
    const out = v1.ObjectSerializer.deserialize(obj, type, '') as { _unparsed?: boolean } | undefined;
    if (out === undefined || out === null || out._unparsed || out.constructor?.name === 'UnparsedObject') {
      return [`${where}: does not match @datadog/datadog-api-client's ${type} model (unknown widget type, enum value, or widget shape)`];
    }
    return [];
  } catch (e) {
    return [`${where}: @datadog/datadog-api-client cannot deserialise it as ${type}: ${(e as Error).message}`];
  }
}

