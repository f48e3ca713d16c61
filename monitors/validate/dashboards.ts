/**
 * Dashboard checks of monitors:validate: each dashboard and widget deserialised by the client's models, plus
 * the structure the models do not check (they accept unknown keys silently): the keys each widget type needs,
 * response formats, formulas naming only defined queries, SLO widgets naming a known SLO, the managed-by marker.
 */
import type { DashboardJson } from '../dashboards';
import { alertColourRules } from '../dashboards/thresholds';
import { MANAGED_BY_TAG, sloRef } from '../dashboards/widgets';
import { checkMetricQuery, deserializeProblems, isObj, type Obj } from './query';

/** Datadog formula functions the dashboards use (docs: Functions, Interpolation). */
const FORMULA_FUNCTIONS = new Set(['default_zero']);

/**
 * A red or yellow conditional format must colour exactly what an alert fires on (or an SLO breach): the same
 * comparator and number as one of alertColourRules(), so the dashboard and the pager never disagree.
 */
function checkColours(formats: unknown, where: string): string[] {
  if (formats === undefined) return [];
  if (!Array.isArray(formats)) return [`${where}: conditional_formats is not a list`];
  const rules = alertColourRules();
  return formats.filter(isObj).flatMap((f) => {
    if (f.palette !== 'white_on_red' && f.palette !== 'white_on_yellow') return [];
    const ok = rules.some((r) => r.comparator === f.comparator && r.value === f.value);
    return ok ? [] : [`${where}: ${String(f.palette)} when ${String(f.comparator)} ${String(f.value)} matches no alert threshold or SLO limit (monitors/alerts/definitions.ts, lib/slo)`];
  });
}

/** Required keys per widget type, beyond what the client checks (it accepts unknown keys silently). */
function checkWidget(def: Obj, where: string, sloNames: readonly string[]): string[] {
  const problems: string[] = [];
  const type = def.type;
  const requestsWidget: Record<string, 'timeseries' | 'scalar'> = { timeseries: 'timeseries', query_value: 'scalar', toplist: 'scalar' };
  if (typeof type !== 'string') return [`${where}: definition.type is missing`];
  if (!def.title && type !== 'note') problems.push(`${where}: no title`);
  if (type in requestsWidget) {
    const requests = def.requests;
    if (!Array.isArray(requests) || requests.length === 0) return [...problems, `${where} (${type}): requests missing or empty`];
    requests.forEach((r: unknown, i) => {
      const w = `${where} request ${i}`;
      if (!isObj(r)) { problems.push(`${w}: not an object`); return; }
      if ('q' in r) problems.push(`${w}: uses the legacy "q" form; use queries + formulas`);
      if (r.response_format !== requestsWidget[type]) problems.push(`${w}: response_format must be "${requestsWidget[type]}" for ${type}`);
      const queries = r.queries;
      const formulas = r.formulas;
      if (!Array.isArray(queries) || queries.length === 0) { problems.push(`${w}: queries missing or empty`); return; }
      if (!Array.isArray(formulas) || formulas.length === 0) { problems.push(`${w}: formulas missing or empty`); return; }
      const names = new Set<string>();
      queries.forEach((q: unknown, j) => {
        if (!isObj(q) || q.data_source !== 'metrics' || typeof q.name !== 'string' || typeof q.query !== 'string') {
          problems.push(`${w} query ${j}: needs data_source "metrics", name and query`);
          return;
        }
        if (names.has(q.name)) problems.push(`${w}: query name ${q.name} used twice`);
        names.add(q.name);
        problems.push(...checkMetricQuery(q.query, `${w} ${q.name}`));
        if (requestsWidget[type] === 'scalar' && typeof q.aggregator !== 'string') problems.push(`${w} ${q.name}: a scalar query needs an aggregator`);
      });
      problems.push(...checkColours(r.conditional_formats, w));
      formulas.forEach((f: unknown, j) => {
        if (!isObj(f) || typeof f.formula !== 'string') { problems.push(`${w} formula ${j}: needs a formula string`); return; }
        // Identifiers are query names, or a formula function applied with `(` (default_zero: a missing series counts 0).
        for (const [, ref = '', call] of f.formula.matchAll(/([a-z_][a-z0-9_]*)\s*(\()?/gi)) {
          if (call && FORMULA_FUNCTIONS.has(ref)) continue;
          if (!names.has(ref)) problems.push(`${w} formula "${f.formula}": ${ref} is not a query of this request`);
        }
      });
    });
  } else if (type === 'slo') {
    if (def.view_type !== 'detail') problems.push(`${where} (slo): view_type must be "detail"`);
    if (!sloNames.some((n) => sloRef(n) === def.slo_id)) problems.push(`${where} (slo): slo_id ${String(def.slo_id)} names no SLO of monitors/slos.ts`);
  } else if (type === 'note') {
    if (typeof def.content !== 'string' || def.content === '') problems.push(`${where} (note): content missing`);
  } else {
    problems.push(`${where}: widget type "${type}" is not one monitors/ uses (timeseries, query_value, toplist, slo, note)`);
  }
  return problems;
}

export function validateDashboard(d: DashboardJson, sloNames: readonly string[]): string[] {
  const where = `dashboard "${d.title}"`;
  const problems = deserializeProblems(d, 'Dashboard', where);
  if (d.layout_type !== 'ordered') problems.push(`${where}: layout_type must be "ordered"`);
  if (!String(d.description).includes(MANAGED_BY_TAG)) problems.push(`${where}: description must carry ${MANAGED_BY_TAG} (dashboard tags may only be team:…)`);
  for (const t of d.tags ?? []) if (!t.startsWith('team:')) problems.push(`${where}: dashboard tag "${t}" is not team:… (Datadog rejects it)`);
  if (!Array.isArray(d.widgets) || d.widgets.length === 0) return [...problems, `${where}: no widgets`];
  d.widgets.forEach((w, i) => {
    const ww = `${where} widget ${i}${isObj(w?.definition) && w.definition.title ? ` "${String(w.definition.title)}"` : ''}`;
    if (!isObj(w) || !isObj(w.definition)) { problems.push(`${ww}: no definition`); return; }
    problems.push(...deserializeProblems(w, 'Widget', ww));
    problems.push(...checkWidget(w.definition, ww, sloNames));
  });
  return problems;
}

