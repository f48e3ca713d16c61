/**
 * What an alert notification says (issue 9 §2), independent of where it goes: title, action, value against
 * the condition (threshold and window, or burn-rate factor and windows), the workspace of a grouped alert,
 * since when it fires, the definition's description lines, and the runbook link (RUNBOOK_BASE_URL).
 * Only ids and numbers: no lead data, no person, no Temporal or Datadog link (it must make sense without
 * either). The Slack and PagerDuty notifiers shape this into their payloads.
 */
import { ALERT_TIERS } from '../slo/windows';
import type { ExpirationDigest } from '../maintenance/expiry';
import type { AlertDefinition, DigestAlert } from '../../monitors/alerts/definitions';
import { runbookUrl } from '../../monitors/runbooks';
import type { NotificationAction } from './evaluate';

export interface AlertMessage {
  /** One line: `[CRITICAL] FIRING: <title>` (plus the workspace of a grouped alert). */
  summary: string;
  /** Body lines after the summary. */
  lines: string[];
  runbookUrl: string;
  /** Structured numbers for PagerDuty's custom_details. */
  details: Record<string, string | number | null>;
}

const ACTION_WORD: Record<NotificationAction, string> = { trigger: 'FIRING', renotify: 'STILL FIRING', resolve: 'RESOLVED' };

/** "15 min", "1 h", "24 h": a window in seconds, for people. */
export function formatWindow(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A value for people: at most 2 decimals, "no data" for null. */
export function formatValue(value: number | null): string {
  if (value === null) return 'no data';
  return String(Math.round(value * 100) / 100);
}

/** The condition of a definition in words: `> 10 percent over 15 min`, `burn rate > 14.4x over 1h and 5m`. */
export function describeCondition(def: AlertDefinition): string {
  switch (def.kind) {
    case 'threshold':
      return `${def.comparator} ${def.threshold} ${def.unit} over ${formatWindow(def.windowSeconds)}`;
    case 'burn_rate': {
      const tier = ALERT_TIERS.find((t) => t.id === def.tier);
      if (!tier) throw new Error(`alert ${def.id}: unknown burn-rate tier ${def.tier}`);
      return `burn rate > ${tier.factor}x over both ${tier.long} and ${tier.short}`;
    }
    case 'digest':
      return `daily at ${def.at}`;
  }
}

/** The threshold number of a definition (the burn-rate factor for a burn-rate alert; null for a digest). */
export function thresholdOf(def: AlertDefinition): number | null {
  if (def.kind === 'threshold') return def.threshold;
  if (def.kind === 'burn_rate') return ALERT_TIERS.find((t) => t.id === def.tier)?.factor ?? null;
  return null;
}

export interface AlertMessageInput {
  definition: AlertDefinition;
  action: NotificationAction;
  value: number | null;
  group: string | null;
  firingSince: string | null;
  runbookBaseUrl: string;
}

/** The message of one notification. */
export function buildAlertMessage({ definition: def, action, value, group, firingSince, runbookBaseUrl }: AlertMessageInput): AlertMessage {
  const where = group === null ? '' : ` (workspace ${group})`;
  const valueLabel = def.kind === 'burn_rate' ? 'Burn rate (lower of the two windows)' : 'Value';
  const lines = [
    `${action === 'resolve' ? 'Last value' : valueLabel}: ${formatValue(value)}${def.kind === 'threshold' ? ` ${def.unit}` : def.kind === 'burn_rate' ? 'x' : ''}`,
    `Condition: ${describeCondition(def)}`,
  ];
  if (group !== null) lines.push(`Workspace: ${group}`);
  if (firingSince) lines.push(`Firing since: ${firingSince}`);
  if (action !== 'resolve') lines.push(...def.description);
  const url = runbookUrl(def.runbook, runbookBaseUrl);
  lines.push(`Runbook: ${url}`);
  return {
    summary: `[${def.severity.toUpperCase()}] ${ACTION_WORD[action]}: ${def.title}${where}`,
    lines,
    runbookUrl: url,
    details: {
      alert_id: def.id,
      value,
      threshold: thresholdOf(def),
      condition: describeCondition(def),
      workspace_id: group,
      firing_since: firingSince,
    },
  };
}

/**
 * The daily INFO digest (spec alert 7): leads expired in the last 24 h, per source workspace (id, name and
 * count; workspace names are partner companies, not people). At most `maxRows` workspaces listed.
 */
export function buildDigestMessage(def: DigestAlert, digest: ExpirationDigest, runbookBaseUrl: string, maxRows = 20): AlertMessage {
  const lines = [`Leads expired (${digest.since} to ${digest.until}): ${digest.total}`, ...def.description];
  for (const s of digest.bySource.slice(0, maxRows)) lines.push(`- ${s.name} (${s.sourceWorkspaceId}): ${s.count}`);
  if (digest.bySource.length > maxRows) lines.push(`- ... and ${digest.bySource.length - maxRows} more ${digest.bySource.length - maxRows === 1 ? 'workspace' : 'workspaces'}`);
  const url = runbookUrl(def.runbook, runbookBaseUrl);
  lines.push(`Runbook: ${url}`);
  return {
    summary: `[INFO] ${def.title}: ${digest.total} ${digest.total === 1 ? 'lead' : 'leads'} expired in the last 24 h`,
    lines,
    runbookUrl: url,
    details: { alert_id: def.id, value: digest.total, threshold: null, condition: describeCondition(def), workspace_id: null, firing_since: null },
  };
}
