import type { Db } from '../db/createDb';
import { ALERTS, type AlertSeverityLevel } from '../../monitors/alerts/definitions';
import { runbookUrl } from '../../monitors/runbooks';
import { firingAlertStates } from '../store/alertStates';
import { thresholdOf } from './messages';

/** A firing alert instance as GET /api/admin/slo lists it. */
export interface FiringAlert {
  /** The alert definition id (monitors/alerts/definitions.ts). */
  id: string;
  /** The instance key: the id, or `id:<workspace id>` for a per-workspace alert (the PagerDuty dedup_key). */
  key: string;
  workspaceId: string | null;
  severity: AlertSeverityLevel;
  title: string;
  status: 'firing';
  firingSince: string;
  /** The value at the last evaluation (unit of the definition; a burn rate for burn-rate alerts). */
  value: number | null;
  threshold: number | null;
  runbookUrl: string;
}

/**
 * The alerts firing as of the last evaluation (the every-minute sloReport workflow), in key order. States of
 * alerts no longer defined are left out.
 */
export async function firingAlerts(db: Db, runbookBaseUrl: string): Promise<FiringAlert[]> {
  const byId = new Map(ALERTS.map((a) => [a.id, a]));
  const out: FiringAlert[] = [];
  for (const s of await firingAlertStates(db)) {
    const def = byId.get(s.alertId);
    if (!def) continue;
    out.push({
      id: def.id, key: s.key, workspaceId: s.group, severity: def.severity, title: def.title, status: 'firing',
      firingSince: s.firingSince ?? s.lastEvaluatedAt, value: s.lastValue, threshold: thresholdOf(def), runbookUrl: runbookUrl(def.runbook, runbookBaseUrl),
    });
  }
  return out;
}
