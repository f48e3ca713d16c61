/**
 * The alert evaluator (issue 9 §2): a pure function from (what was measured now, what was stored last time,
 * now) to (what to store, what to send). No I/O: the activity (activities/alerting.ts) reads the signals and
 * the states, calls `evaluateAlerts`, sends the notifications, then records each delivery with
 * `recordDeliveries` and stores the result.
 *
 * Rules, per alert instance (alert id + workspace for a grouped alert) and per notification channel:
 *  - ok -> firing: status firing, firingSince = now; the channel owes a `trigger`.
 *  - firing, trigger owed (never delivered): send `trigger` again (a failed send is retried every run).
 *  - firing, trigger delivered: nothing until `renotifyMs` after the last delivered notification, then a
 *    `renotify` (same dedup key: PagerDuty folds it into the open incident).
 *  - firing -> ok: status ok; if a trigger or renotify was delivered this episode (since firingSince), the
 *    channel owes ONE `resolve` (retried until delivered); if none was, nothing is sent (nothing to resolve).
 *  - ok, resolve owed: send `resolve` again.
 *  - ok -> firing while a resolve is still owed: the resolve is dropped and a `trigger` owed instead.
 * A channel not configured is skipped entirely (its stored state is left as it was).
 * An observation with value null (no data: no decisions in the window) does not fire.
 */

/** Where notifications go: PagerDuty pages, Slack posts. */
export type Channel = 'pagerduty' | 'slack';
export type NotificationAction = 'trigger' | 'renotify' | 'resolve';

/** What one channel has delivered and still owes for one alert instance. Times are ISO strings. */
export interface ChannelState {
  /** An action not yet delivered (its send failed or never ran). */
  owed: 'trigger' | 'resolve' | null;
  /** Last delivered trigger or renotify. */
  lastNotifiedAt: string | null;
  /** Last delivered resolve. */
  resolveSentAt: string | null;
  /** The last send's error (no URL, no key), cleared by a successful send. */
  lastError: string | null;
}

export interface AlertState {
  /** `alertId`, or `alertId:group` for a grouped alert. */
  key: string;
  alertId: string;
  group: string | null;
  status: 'ok' | 'firing';
  firingSince: string | null;
  lastValue: number | null;
  lastEvaluatedAt: string;
  channels: Partial<Record<Channel, ChannelState>>;
}

/** One alert instance's measurement this run. */
export interface Observation {
  alertId: string;
  group: string | null;
  /** The measured value; null = no data. */
  value: number | null;
  /** Whether the condition holds (threshold crossed, burn-rate tier firing). Forced false when value is null. */
  breached: boolean;
}

export interface Notification {
  key: string;
  alertId: string;
  group: string | null;
  channel: Channel;
  action: NotificationAction;
  value: number | null;
  firingSince: string | null;
}

export interface EvaluateInput {
  observations: readonly Observation[];
  previous: readonly AlertState[];
  /** Channels to notify per alert id (by severity; only configured channels). An id absent here is stored, never sent. */
  channelsFor: (alertId: string) => readonly Channel[];
  /** Alert ids evaluated this run: a stored state of one of them without an observation is "no data" (clears). */
  evaluatedIds: ReadonlySet<string>;
  now: Date;
  /** ALERT_RENOTIFY_MINUTES in ms. */
  renotifyMs: number;
}

export interface EvaluateResult {
  states: AlertState[];
  notifications: Notification[];
}

/** The state key of an alert instance. */
export function alertKey(alertId: string, group: string | null): string {
  return group === null ? alertId : `${alertId}:${group}`;
}

const EMPTY_CHANNEL: ChannelState = { owed: null, lastNotifiedAt: null, resolveSentAt: null, lastError: null };

/** Whether the channel delivered a trigger or renotify at or after `since` (the episode's start). */
function notifiedSince(c: ChannelState, since: string | null): boolean {
  return c.lastNotifiedAt !== null && since !== null && Date.parse(c.lastNotifiedAt) >= Date.parse(since);
}

/** One run of the rules above. Deterministic: the same input always gives the same output. */
export function evaluateAlerts(input: EvaluateInput): EvaluateResult {
  const nowIso = input.now.toISOString();
  const previous = new Map(input.previous.map((s) => [s.key, s]));
  const observed = new Map<string, Observation>();
  for (const o of input.observations) observed.set(alertKey(o.alertId, o.group), o);
  // Instances stored before but not measured now (a workspace whose queue drained) are "no data": they clear.
  for (const s of input.previous) {
    if (!observed.has(s.key) && input.evaluatedIds.has(s.alertId)) observed.set(s.key, { alertId: s.alertId, group: s.group, value: null, breached: false });
  }

  const states: AlertState[] = [];
  const notifications: Notification[] = [];
  for (const [key, o] of observed) {
    const before = previous.get(key);
    const firing = o.breached && o.value !== null;
    const wasFiring = before?.status === 'firing';
    const firingSince = firing ? (wasFiring ? before.firingSince : nowIso) : null;
    const channels: Partial<Record<Channel, ChannelState>> = { ...before?.channels };
    for (const channel of input.channelsFor(o.alertId)) {
      const c = { ...EMPTY_CHANNEL, ...channels[channel] };
      let action: NotificationAction | null = null;
      if (firing) {
        if (!wasFiring || c.owed === 'resolve') c.owed = 'trigger';
        if (c.owed === 'trigger') action = 'trigger';
        else if (c.lastNotifiedAt === null || input.now.getTime() - Date.parse(c.lastNotifiedAt) >= input.renotifyMs) action = 'renotify';
      } else {
        // Cleared now: a resolve is owed only when this episode's trigger went out (else nothing to resolve).
        if (wasFiring) c.owed = notifiedSince(c, before.firingSince) ? 'resolve' : null;
        if (c.owed === 'resolve') action = 'resolve';
      }
      channels[channel] = c;
      if (action) notifications.push({ key, alertId: o.alertId, group: o.group, channel, action, value: o.value, firingSince: firing ? firingSince : (before?.firingSince ?? null) });
    }
    states.push({
      key, alertId: o.alertId, group: o.group, status: firing ? 'firing' : 'ok', firingSince, lastValue: o.value, lastEvaluatedAt: nowIso, channels,
    });
  }
  return { states, notifications };
}

/** A send's outcome: delivered, or the error text (already free of URLs and keys). */
export interface Delivery {
  notification: Notification;
  ok: boolean;
  error?: string;
}

/**
 * Applies the send outcomes to the states evaluateAlerts returned: a delivered trigger/renotify sets
 * lastNotifiedAt and clears what was owed; a delivered resolve sets resolveSentAt and clears it; a failure
 * keeps the debt (the next run sends again) and records the error. Returns new state objects.
 */
export function recordDeliveries(states: readonly AlertState[], deliveries: readonly Delivery[], now: Date): AlertState[] {
  const nowIso = now.toISOString();
  const byKey = new Map(states.map((s) => [s.key, { ...s, channels: { ...s.channels } }]));
  for (const { notification: n, ok, error } of deliveries) {
    const state = byKey.get(n.key);
    if (!state) continue;
    const c = { ...EMPTY_CHANNEL, ...state.channels[n.channel] };
    if (!ok) {
      c.lastError = error ?? 'send failed';
      // A failed renotify owes nothing new: lastNotifiedAt stays old, so the next run tries again.
    } else if (n.action === 'resolve') {
      c.owed = null;
      c.resolveSentAt = nowIso;
      c.lastError = null;
    } else {
      c.owed = null;
      c.lastNotifiedAt = nowIso;
      c.lastError = null;
    }
    state.channels[n.channel] = c;
  }
  return [...byKey.values()];
}
