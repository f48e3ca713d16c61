/**
 * `npm run monitors:sync [-- --dry-run]`: creates or updates, in a Datadog account, the SLOs, monitors and
 * dashboards monitors/ defines, idempotently (monitors/sync/run.ts says how objects are matched and in which
 * order). `--dry-run` reads the account and prints what would change, writing nothing.
 *
 * Environment: DD_API_KEY, DD_APP_KEY, DD_SITE, DATADOG_API_URL (monitors/sync/settings.ts), and the
 * monitor settings DATADOG_NOTIFY_*, ALERT_RENOTIFY_MINUTES, RUNBOOK_BASE_URL (monitors/monitorsSettings.ts).
 * The objects are validated first (the checks of `npm run monitors:validate`); nothing is sent if one fails.
 * Exit status: 0 done, 1 a setting, a validation or a Datadog call failed (the message says which and why;
 * keys are never printed).
 */
import { DASHBOARDS } from './dashboards';
import { alertMonitors } from './monitors';
import { monitorSettings, type MonitorSettings } from './monitorsSettings';
import { SLO_OBJECTS } from './slos';
import { datadogRemote, silenceDatadogClient, SyncApiError } from './sync/datadogRemote';
import { formatReport, syncObjects, type DesiredObjects, type SyncReport } from './sync/run';
import { datadogSettings, SyncConfigError } from './sync/settings';
import { validateAll } from './validate';

/** Everything monitors/ defines, with the monitor settings applied. */
export function desiredObjects(settings: MonitorSettings = monitorSettings()): DesiredObjects {
  return { slos: SLO_OBJECTS, monitors: alertMonitors(settings).map((m) => m.body), dashboards: DASHBOARDS };
}

/** Parses the command line: only `--dry-run` is accepted. */
export function parseArgs(argv: readonly string[]): { dryRun: boolean } {
  const unknown = argv.filter((a) => a !== '--dry-run');
  if (unknown.length > 0) throw new SyncConfigError(`unknown argument(s) ${unknown.join(' ')}; usage: monitors:sync [--dry-run]`);
  return { dryRun: argv.includes('--dry-run') };
}

/** The whole command: settings, validation, sync. Returns the report; throws SyncConfigError / SyncApiError. */
export async function runSync(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<SyncReport> {
  silenceDatadogClient(); // before validation, which reads models through the client too
  const { dryRun } = parseArgs(argv);
  const dd = datadogSettings(env);
  let settings: MonitorSettings;
  try {
    settings = monitorSettings(env);
  } catch (e) {
    throw new SyncConfigError((e as Error).message);
  }
  const desired = desiredObjects(settings);
  const { problems } = validateAll({ monitorSettings: settings });
  if (problems.length > 0) throw new SyncConfigError(`monitors:validate fails, nothing sent:\n  - ${problems.join('\n  - ')}`);
  return syncObjects(datadogRemote(dd), desired, { dryRun });
}

if (require.main === module) {
  runSync(process.argv.slice(2)).then(
    (report) => { process.stdout.write(`${formatReport(report).join('\n')}\n`); },
    (e: unknown) => {
      if (e instanceof SyncConfigError || e instanceof SyncApiError) console.error(`monitors:sync: ${e.message}`);
      else console.error('monitors:sync failed:', e);
      process.exitCode = 1;
    },
  );
}
