// The alert evaluator's transitions (lib/alerting/evaluate.ts): trigger once, re-notify after the interval,
// one resolve, failed sends owed and retried, channels per alert, grouped instances clearing without data.
import { alertKey, evaluateAlerts, recordDeliveries, type AlertState, type Channel, type Delivery, type EvaluateResult, type Observation } from '../../lib/alerting/evaluate';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const RENOTIFY_MS = 60 * 60_000;
const ALL: readonly Channel[] = ['pagerduty', 'slack'];

const obs = (value: number | null, breached: boolean, group: string | null = null, alertId = 'a'): Observation => ({ alertId, group, value, breached });

/** One run: evaluate, then deliver every notification with the outcome `deliver` picks (all ok by default). */
function run(previous: AlertState[], observations: Observation[], minute: number, deliver: (channel: Channel) => boolean = () => true, channels = ALL): EvaluateResult & { states: AlertState[] } {
  const now = at(minute);
  const r = evaluateAlerts({ observations, previous, channelsFor: () => channels, evaluatedIds: new Set(['a']), now, renotifyMs: RENOTIFY_MS });
  const deliveries: Delivery[] = r.notifications.map((n) => (deliver(n.channel) ? { notification: n, ok: true } : { notification: n, ok: false, error: `${n.channel}: HTTP 500` }));
  return { notifications: r.notifications, states: recordDeliveries(r.states, deliveries, now) };
}
const actions = (r: EvaluateResult) => r.notifications.map((n) => `${n.channel}:${n.action}`).sort();

/** Runs a sequence of (minute, value, breached) steps, returning the actions of each. */
function sequence(steps: Array<[number, boolean, ((c: Channel) => boolean)?]>): string[][] {
  let states: AlertState[] = [];
  return steps.map(([minute, breached, deliver]) => {
    const r = run(states, [obs(breached ? 12 : 3, breached)], minute, deliver);
    states = r.states;
    return actions(r);
  });
}

const ok = () => true;
const slackDown = (c: Channel) => c !== 'slack';
const allDown = () => false;

describe('transitions (one alert, both channels)', () => {
  test.each<[string, Array<[number, boolean, ((c: Channel) => boolean)?]>, string[][]]>([
    ['ok stays ok: nothing', [[0, false], [1, false]], [[], []]],
    ['ok -> firing: one trigger per channel', [[0, true]], [['pagerduty:trigger', 'slack:trigger']]],
    ['stays firing over 3 runs: nothing more', [[0, true], [1, true], [2, true], [3, true]], [['pagerduty:trigger', 'slack:trigger'], [], [], []]],
    ['stays firing past the re-notify interval: one renotify, then quiet again',
      [[0, true], [59, true], [60, true], [61, true], [120, true]],
      [['pagerduty:trigger', 'slack:trigger'], [], ['pagerduty:renotify', 'slack:renotify'], [], ['pagerduty:renotify', 'slack:renotify']]],
    ['firing -> ok: exactly one resolve', [[0, true], [1, false], [2, false], [3, false]], [['pagerduty:trigger', 'slack:trigger'], ['pagerduty:resolve', 'slack:resolve'], [], []]],
    ['a failed trigger is sent again next run, and only that channel', [[0, true, slackDown], [1, true], [2, true]], [['pagerduty:trigger', 'slack:trigger'], ['slack:trigger'], []]],
    ['a failed resolve is sent again until delivered, then never', [[0, true], [1, false, allDown], [2, false, allDown], [3, false], [4, false]],
      [['pagerduty:trigger', 'slack:trigger'], ['pagerduty:resolve', 'slack:resolve'], ['pagerduty:resolve', 'slack:resolve'], ['pagerduty:resolve', 'slack:resolve'], []]],
    ['cleared before any trigger was delivered: no resolve', [[0, true, allDown], [1, false], [2, false]], [['pagerduty:trigger', 'slack:trigger'], [], []]],
    ['fires again while a resolve is owed: the resolve is replaced by a trigger', [[0, true], [1, false, allDown], [2, true], [3, true]],
      [['pagerduty:trigger', 'slack:trigger'], ['pagerduty:resolve', 'slack:resolve'], ['pagerduty:trigger', 'slack:trigger'], []]],
    ['a failed renotify is retried next run', [[0, true], [60, true, allDown], [61, true], [62, true]],
      [['pagerduty:trigger', 'slack:trigger'], ['pagerduty:renotify', 'slack:renotify'], ['pagerduty:renotify', 'slack:renotify'], []]],
    ['fire, resolve, fire again: a new episode triggers', [[0, true], [1, false], [2, true]],
      [['pagerduty:trigger', 'slack:trigger'], ['pagerduty:resolve', 'slack:resolve'], ['pagerduty:trigger', 'slack:trigger']]],
  ])('%s', (_name, steps, expected) => {
    expect(sequence(steps)).toEqual(expected);
  });

  test('re-notify is measured from the last DELIVERED notification', () => {
    // Trigger fails at 0, delivered at 30: the next renotify is due at 90, not 60.
    expect(sequence([[0, true, allDown], [30, true, ok], [60, true], [89, true], [90, true]])).toEqual([
      ['pagerduty:trigger', 'slack:trigger'], ['pagerduty:trigger', 'slack:trigger'], [], [], ['pagerduty:renotify', 'slack:renotify'],
    ]);
  });
});

describe('state', () => {
  test('firing since the first breached run, kept while firing, cleared when ok; last value and errors stored', () => {
    let r = run([], [obs(12, true)], 0, slackDown);
    expect(r.states).toEqual([
      expect.objectContaining({
        key: 'a', status: 'firing', firingSince: at(0).toISOString(), lastValue: 12, lastEvaluatedAt: at(0).toISOString(),
        channels: {
          pagerduty: { owed: null, lastNotifiedAt: at(0).toISOString(), resolveSentAt: null, lastError: null },
          slack: { owed: 'trigger', lastNotifiedAt: null, resolveSentAt: null, lastError: 'slack: HTTP 500' },
        },
      }),
    ]);
    r = run(r.states, [obs(15, true)], 1);
    expect(r.states[0]).toMatchObject({ status: 'firing', firingSince: at(0).toISOString(), lastValue: 15 });
    expect(r.states[0]!.channels.slack).toEqual({ owed: null, lastNotifiedAt: at(1).toISOString(), resolveSentAt: null, lastError: null });
    r = run(r.states, [obs(2, false)], 2);
    expect(r.states[0]).toMatchObject({ status: 'ok', firingSince: null, lastValue: 2 });
    expect(r.states[0]!.channels.pagerduty).toMatchObject({ owed: null, resolveSentAt: at(2).toISOString() });
  });

  test('notifications carry the key, value and firing-since; a resolve carries the episode start', () => {
    let r = run([], [obs(12, true)], 0);
    expect(r.notifications[0]).toMatchObject({ key: 'a', alertId: 'a', group: null, value: 12, firingSince: at(0).toISOString() });
    r = run(r.states, [obs(1, false)], 5);
    expect(r.notifications[0]).toMatchObject({ action: 'resolve', value: 1, firingSince: at(0).toISOString() });
  });

  test('no data (value null) never fires, even if marked breached', () => {
    const r = run([], [obs(null, true)], 0);
    expect(r.notifications).toEqual([]);
    expect(r.states[0]).toMatchObject({ status: 'ok', lastValue: null });
  });
});

describe('channels', () => {
  test('only the channels given for the alert are notified; the others keep their stored state', () => {
    const r1 = run([], [obs(12, true)], 0, ok, ['slack']);
    expect(actions(r1)).toEqual(['slack:trigger']);
    expect(r1.states[0]!.channels.pagerduty).toBeUndefined();
    expect(actions(run(r1.states, [obs(1, false)], 1, ok, ['slack']))).toEqual(['slack:resolve']);
  });

  test('no channel configured: the alert is still evaluated and stored, nothing is sent', () => {
    const r = run([], [obs(12, true)], 0, ok, []);
    expect(r.notifications).toEqual([]);
    expect(r.states[0]).toMatchObject({ status: 'firing', channels: {} });
  });

  test('a channel configured while the alert already fires gets a notification at once, and a resolve later', () => {
    const r1 = run([], [obs(12, true)], 0, ok, ['slack']);
    const r2 = run(r1.states, [obs(12, true)], 1, ok, ['pagerduty', 'slack']);
    expect(actions(r2)).toEqual(['pagerduty:renotify']);
    expect(actions(run(r2.states, [obs(1, false)], 2, ok, ['pagerduty', 'slack']))).toEqual(['pagerduty:resolve', 'slack:resolve']);
  });
});

describe('grouped alerts', () => {
  test('one instance per workspace, keyed id:workspace; a workspace no longer observed clears and resolves', () => {
    const r1 = run([], [obs(60, true, 'ws-1'), obs(70, true, 'ws-2')], 0, ok, ['slack']);
    expect(r1.notifications.map((n) => n.key).sort()).toEqual(['a:ws-1', 'a:ws-2']);
    expect(alertKey('a', 'ws-1')).toBe('a:ws-1');
    const r2 = run(r1.states, [obs(65, true, 'ws-1')], 1, ok, ['slack']);
    expect(r2.notifications).toEqual([expect.objectContaining({ key: 'a:ws-2', action: 'resolve', value: null })]);
    expect(r2.states.find((s) => s.key === 'a:ws-2')).toMatchObject({ status: 'ok', group: 'ws-2' });
    expect(r2.states.find((s) => s.key === 'a:ws-1')).toMatchObject({ status: 'firing', firingSince: at(0).toISOString() });
  });

  test('a stored state of an alert not evaluated this run is left alone', () => {
    const stored: AlertState = { key: 'gone', alertId: 'gone', group: null, status: 'firing', firingSince: at(0).toISOString(), lastValue: 1, lastEvaluatedAt: at(0).toISOString(), channels: {} };
    const r = run([stored], [], 1);
    expect(r.states).toEqual([]);
    expect(r.notifications).toEqual([]);
  });
});

test('deterministic: the same input gives the same output', () => {
  const input = { observations: [obs(12, true)], previous: [], channelsFor: () => ALL, evaluatedIds: new Set(['a']), now: at(0), renotifyMs: RENOTIFY_MS };
  expect(evaluateAlerts(input)).toEqual(evaluateAlerts(input));
});
