/**
 * The create-or-update of everything in monitors/ against a Datadog account (through a Remote), idempotent:
 * a second run with nothing changed writes nothing.
 *
 * Matching: an existing object is OURS when its name (dashboards: title) equals the one we define AND it
 * carries the managed-by tag (dashboards, whose tags may only be `team:…`: the marker in the description).
 * Only ours are ever written. An object with one of our names but without the tag was made by someone else
 * (by hand, another tool): it is left alone and reported, and ours is created beside it. Two of ours with one
 * name: the lowest id is kept in sync, the others reported for deletion by hand.
 *
 * Objects with the tag whose name monitors/ no longer defines (a removed or renamed alert) are reported, not
 * deleted: a deletion is left to a person.
 *
 * Change detection compares only the fields we set (compare.ts). Order, because of ids Datadog assigns:
 *  1. the latency SLO's backing monitor, whose id fills that SLO's monitor_ids;
 *  2. the SLOs, whose ids replace the `$slo:<name>` placeholders in
 *  3. the alert monitors (burn-rate queries) and
 *  4. the dashboards (SLO widgets).
 * With dryRun nothing is written; an id that would only exist after a creation is shown as
 * `<id of new slo "…">` in the diff.
 */
import type { DashboardJson, Json } from '../dashboards/widgets';
import type { SloSpec } from '../slos';
import { changedFields, type FieldChange } from './compare';
import type { Kind, Remote, RemoteObject } from './datadogRemote';

export interface DesiredObjects {
  slos: readonly SloSpec[];
  /** Alert monitor bodies (v1 Monitor); may hold `$slo:<name>` placeholders. */
  monitors: readonly Json[];
  dashboards: readonly DashboardJson[];
}

export type Action = 'create' | 'update' | 'unchanged';

export interface SyncItem {
  kind: Kind;
  name: string;
  action: Action;
  /** Datadog id: the existing object's, or the new one's (undefined for a creation in a dry run). */
  id?: string;
  /** For an update: the fields that differ. */
  changes: FieldChange[];
}

export interface LeftAlone {
  kind: Kind;
  name: string;
  id: string;
  reason: string;
}

export interface SyncReport {
  dryRun: boolean;
  /** In the order they were (or would be) written. */
  items: SyncItem[];
  leftAlone: LeftAlone[];
  /** Requests that changed something (0 in a dry run). */
  writes: number;
}

const PLACEHOLDER = /\$slo:([a-z0-9_]+)/g;

/** Deep copy of `value` with every `$slo:<name>` replaced by `ids.get(name)`; throws on a name with no SLO. */
export function resolveSloRefs<T>(value: T, ids: ReadonlyMap<string, string>): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v.replace(PLACEHOLDER, (_m, name: string) => {
        const id = ids.get(name);
        if (id === undefined) throw new Error(`"$slo:${name}" names no SLO of monitors/slos.ts`);
        return id;
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

const nameOf = (body: Json): string => String(body.name ?? body.title);

/**
 * Brings Datadog in line with `desired`. Throws the Remote's error (SyncApiError) at the first failed call;
 * what was written before it stays written (a re-run continues from there, as every step is idempotent).
 */
export async function syncObjects(remote: Remote, desired: DesiredObjects, { dryRun }: { dryRun: boolean }): Promise<SyncReport> {
  const backing = desired.slos.filter((s) => s.backingMonitor).map((s) => s.backingMonitor as Json);
  const monitorNames = new Set([...backing, ...desired.monitors].map(nameOf));
  const [monitors, slos, dashboards] = await Promise.all([
    remote.list('monitor', monitorNames),
    remote.list('slo', new Set(desired.slos.map((s) => nameOf(s.request)))),
    remote.list('dashboard', new Set(desired.dashboards.map((d) => d.title))),
  ]);
  const existing: Record<Kind, RemoteObject[]> = { monitor: monitors, slo: slos, dashboard: dashboards };
  const report: SyncReport = { dryRun, items: [], leftAlone: [], writes: 0 };
  const reported = new Set<string>();

  const upsert = async (kind: Kind, body: Json): Promise<string | undefined> => {
    const name = nameOf(body);
    const same = existing[kind].filter((o) => o.name === name);
    const ours = same.filter((o) => o.managed).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    for (const o of same) {
      if (reported.has(`${kind}:${o.id}`)) continue;
      if (!o.managed) report.leftAlone.push({ kind, name, id: o.id, reason: 'same name, without the managed-by tag: not ours, never written' });
      else if (o !== ours[0]) report.leftAlone.push({ kind, name, id: o.id, reason: `a second managed copy (id ${ours[0]?.id} is the one kept in sync): delete it by hand` });
      reported.add(`${kind}:${o.id}`);
    }
    const target = ours[0];
    if (!target) {
      const id = dryRun ? undefined : await remote.create(kind, body);
      if (!dryRun) report.writes++;
      report.items.push({ kind, name, action: 'create', id, changes: [] });
      return id;
    }
    const changes = changedFields(body, target.body);
    if (changes.length > 0 && !dryRun) {
      await remote.update(kind, target.id, body);
      report.writes++;
    }
    report.items.push({ kind, name, action: changes.length > 0 ? 'update' : 'unchanged', id: target.id, changes });
    return target.id;
  };

  // 1. Backing monitors first: their ids go into the SLOs' monitor_ids.
  const backingIds = new Map<string, string | undefined>();
  for (const s of desired.slos) if (s.backingMonitor) backingIds.set(s.sloName, await upsert('monitor', s.backingMonitor));

  // 2. SLOs.
  const sloIds = new Map<string, string>();
  for (const s of desired.slos) {
    let request = s.request;
    if (s.backingMonitor) {
      const id = backingIds.get(s.sloName);
      // A dry run cannot know a new monitor's id; the diff then shows monitor_ids empty.
      request = { ...request, monitor_ids: id === undefined ? [] : [Number(id)] };
    }
    const id = await upsert('slo', request);
    sloIds.set(s.sloName, id ?? `<id of new slo "${nameOf(s.request)}">`);
  }

  // 3. Alert monitors, 4. dashboards, with the SLO ids in place of the placeholders.
  for (const m of desired.monitors) await upsert('monitor', resolveSloRefs(m, sloIds));
  for (const d of desired.dashboards) await upsert('dashboard', resolveSloRefs(d, sloIds));

  // Ours, but no longer defined (an alert removed or renamed): reported, never deleted by sync.
  const defined: Record<Kind, Set<string>> = {
    monitor: monitorNames,
    slo: new Set(desired.slos.map((s) => nameOf(s.request))),
    dashboard: new Set(desired.dashboards.map((d) => d.title)),
  };
  for (const kind of ['monitor', 'slo', 'dashboard'] as const) {
    for (const o of existing[kind]) {
      if (o.managed && !defined[kind].has(o.name)) report.leftAlone.push({ kind, name: o.name, id: o.id, reason: 'managed-by tag, but monitors/ no longer defines it: delete it by hand if it is obsolete (sync never deletes)' });
    }
  }
  return report;
}

/** The report as text lines: one per object (with its changed fields), then what was left alone, then totals. */
export function formatReport(r: SyncReport): string[] {
  const lines: string[] = [];
  for (const i of r.items) {
    const verb = r.dryRun ? { create: 'would create', update: 'would update', unchanged: 'unchanged' }[i.action] : { create: 'created', update: 'updated', unchanged: 'unchanged' }[i.action];
    lines.push(`${i.kind.padEnd(9)} ${verb.padEnd(12)} ${i.name}${i.id ? ` (id ${i.id})` : ''}`);
    for (const c of i.changes) lines.push(`    ${c.path}: ${c.from} -> ${c.to}`);
  }
  for (const l of r.leftAlone) lines.push(`${l.kind.padEnd(9)} left alone   ${l.name} (id ${l.id}): ${l.reason}`);
  const count = (a: Action) => r.items.filter((i) => i.action === a).length;
  lines.push(
    `${r.dryRun ? 'dry run: ' : ''}${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged, ${r.leftAlone.length} left alone; ` +
    `${r.writes} write(s)${r.dryRun ? ' (nothing written)' : ''}`,
  );
  return lines;
}
