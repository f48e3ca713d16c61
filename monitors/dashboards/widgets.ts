/**
 * Builders for Datadog dashboard widgets in the real dashboards API shape (v1 `Dashboard`, `layout_type:
 * 'ordered'`; widget `definition.type`; requests in the formulas-and-queries form). Only the metric query
 * strings are typed loosely here: `npm run monitors:validate` (monitors/validate.ts) checks every one of
 * them against the catalog and the external list, and deserialises every dashboard with
 * @datadog/datadog-api-client's model classes.
 */

/** A JSON object as sent to the Datadog API (snake_case keys). */
export type Json = { [key: string]: unknown };

export interface MetricQuery {
  data_source: 'metrics';
  name: string;
  query: string;
  aggregator?: 'avg' | 'min' | 'max' | 'sum' | 'last' | 'area' | 'l2norm' | 'percentile';
}

export interface Formula {
  formula: string;
  alias?: string;
}

export interface DashboardJson extends Json {
  title: string;
  description: string;
  layout_type: 'ordered';
  tags: string[];
  widgets: { definition: Json }[];
}

/** The tag every object in monitors/ carries, so sync can find (and only touch) its own objects. */
export const MANAGED_BY_TAG = 'managed-by:lead-router';

/** `q1`, `q2`, … for a list of metric query strings. */
function queries(qs: readonly string[], aggregator?: MetricQuery['aggregator']): MetricQuery[] {
  return qs.map((query, i) => ({ data_source: 'metrics', name: `q${i + 1}`, query, ...(aggregator ? { aggregator } : {}) }));
}

function formulas(fs: readonly (string | Formula)[] | undefined, n: number): Formula[] {
  if (fs) return fs.map((f) => (typeof f === 'string' ? { formula: f } : f));
  return Array.from({ length: n }, (_, i) => ({ formula: `q${i + 1}` }));
}

interface TimeseriesOptions {
  /** One formula per line; defaults to one line per query (q1, q2, …). */
  formulas?: (string | Formula)[];
  display?: 'line' | 'bars' | 'area';
  yaxis?: { min?: string; max?: string; label?: string };
  /** Horizontal lines, e.g. an SLO threshold: `y = 2000`. */
  markers?: { value: string; display_type: string; label?: string }[];
}

export function timeseries(title: string, qs: readonly string[], opts: TimeseriesOptions = {}): { definition: Json } {
  return {
    definition: {
      type: 'timeseries',
      title,
      show_legend: true,
      requests: [{
        queries: queries(qs),
        formulas: formulas(opts.formulas, qs.length),
        response_format: 'timeseries',
        display_type: opts.display ?? 'line',
      }],
      ...(opts.yaxis ? { yaxis: opts.yaxis } : {}),
      ...(opts.markers ? { markers: opts.markers } : {}),
    },
  };
}

export interface ConditionalFormat {
  comparator: '>' | '>=' | '<' | '<=';
  value: number;
  palette: 'white_on_red' | 'white_on_yellow' | 'white_on_green';
}

interface ScalarOptions {
  formula?: string;
  aggregator?: MetricQuery['aggregator'];
  conditional_formats?: ConditionalFormat[];
  precision?: number;
  custom_unit?: string;
}

export function queryValue(title: string, qs: readonly string[], opts: ScalarOptions = {}): { definition: Json } {
  return {
    definition: {
      type: 'query_value',
      title,
      autoscale: true,
      precision: opts.precision ?? 0,
      ...(opts.custom_unit ? { custom_unit: opts.custom_unit } : {}),
      requests: [{
        queries: queries(qs, opts.aggregator ?? 'last'),
        formulas: [{ formula: opts.formula ?? 'q1' }],
        response_format: 'scalar',
        ...(opts.conditional_formats ? { conditional_formats: opts.conditional_formats } : {}),
      }],
    },
  };
}

export function toplist(title: string, qs: readonly string[], opts: ScalarOptions & { limit?: number } = {}): { definition: Json } {
  return {
    definition: {
      type: 'toplist',
      title,
      requests: [{
        queries: queries(qs, opts.aggregator ?? 'sum'),
        formulas: [{ formula: opts.formula ?? 'q1', limit: { count: opts.limit ?? 10, order: 'desc' } }],
        response_format: 'scalar',
        ...(opts.conditional_formats ? { conditional_formats: opts.conditional_formats } : {}),
      }],
    },
  };
}

/**
 * A placeholder for the id of one of monitors/slos.ts's SLOs (Datadog assigns ids on creation; sync
 * replaces the placeholder with the id of the SLO of that name). validate.ts checks the name exists.
 */
export function sloRef(sloName: string): string {
  return `$slo:${sloName}`;
}

export function sloWidget(title: string, sloName: string): { definition: Json } {
  return {
    definition: {
      type: 'slo',
      title,
      view_type: 'detail',
      slo_id: sloRef(sloName),
      time_windows: ['7d', '30d'],
      show_error_budget: true,
      view_mode: 'overall',
    },
  };
}

export function note(content: string): { definition: Json } {
  return { definition: { type: 'note', content, background_color: 'white', font_size: '14', show_tick: false } };
}

export function dashboard(title: string, description: string, widgets: { definition: Json }[]): DashboardJson {
  return { title, description, layout_type: 'ordered', tags: ['team:lead-router'], widgets };
}
