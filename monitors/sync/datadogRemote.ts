/**
 * The Datadog side of monitors:sync, through @datadog/datadog-api-client (v1 MonitorsApi,
 * ServiceLevelObjectivesApi, DashboardsApi). Objects cross this boundary as JSON in the API's own snake_case
 * shape (what monitors/ builds and what the HTTP API speaks): a body is read into the client's model class
 * before sending (ObjectSerializer.deserialize: the client only sends model attributes) and a model read back
 * is turned into JSON again (ObjectSerializer.serialize) for comparison.
 *
 * Errors become a SyncApiError whose message says what was being done and, for 401/403, which key or
 * permission to check. No key ever appears in a message.
 */
import { client, logger as datadogClientLogger, v1 } from '@datadog/datadog-api-client';
import { MANAGED_BY_TAG, type Json } from '../dashboards/widgets';
import type { DatadogSettings } from './settings';

export type Kind = 'monitor' | 'slo' | 'dashboard';

/** An existing Datadog object with one of the names monitors/ defines. */
export interface RemoteObject {
  id: string;
  name: string;
  /** Carries the managed-by tag (dashboards: the marker in the description); only these are ever written. */
  managed: boolean;
  /** The object as the API returns it (snake_case). Dashboards not managed by us: the summary only. */
  body: Json;
}

/** What sync needs from Datadog; the real one is datadogRemote(), tests may pass their own. */
export interface Remote {
  /**
   * Existing objects of a kind whose name (dashboards: title) is one of `names`, and every managed one (so
   * objects of ours no longer defined can be reported). Body: the whole object for managed ones with a
   * wanted name; otherwise it may be a summary.
   */
  list(kind: Kind, names: ReadonlySet<string>): Promise<RemoteObject[]>;
  /** Creates; returns the new id. */
  create(kind: Kind, body: Json): Promise<string>;
  update(kind: Kind, id: string, body: Json): Promise<void>;
}

/** A failed Datadog call, with a message fit for the operator (no keys, no stack needed). */
export class SyncApiError extends Error {
  override name = 'SyncApiError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

const SCOPE: Record<Kind, string> = { monitor: 'monitors', slo: 'slos', dashboard: 'dashboards' };

/** Turns a client error into a SyncApiError naming the operation and, for 401/403, the key or scope to check. */
export function explainApiError(e: unknown, kind: Kind, op: 'read' | 'write', what: string, settings: Pick<DatadogSettings, 'site'>): SyncApiError {
  if (e instanceof client.ApiException) {
    const code = e.code;
    if (code === 401 || code === 403) {
      const scope = `${SCOPE[kind]}_${op}`;
      const hint = op === 'read'
        ? `check that DD_API_KEY is an API key and DD_APP_KEY an application key of the organisation at ${settings.site} (a wrong key, or the wrong DD_SITE, answers ${code}), and that the application key has the ${scope} scope`
        : `the reads before it succeeded, so the keys are valid: the application key (DD_APP_KEY) lacks the ${scope} permission (scope), or its user's role may not edit ${SCOPE[kind]}`;
      return new SyncApiError(`Datadog answered ${code} Forbidden to ${what}: ${hint}`, code);
    }
    const body = JSON.stringify(e.body ?? '').slice(0, 300);
    return new SyncApiError(`Datadog answered ${code} to ${what}: ${body}`, code);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new SyncApiError(`could not reach Datadog (${settings.site}) to ${what}: ${msg}`);
}

/** The client model each write sends (the API's request body types). */
const MODEL: Record<Kind, { create: string; update: string }> = {
  monitor: { create: 'Monitor', update: 'MonitorUpdateRequest' },
  slo: { create: 'ServiceLevelObjectiveRequest', update: 'ServiceLevelObjective' },
  dashboard: { create: 'Dashboard', update: 'Dashboard' },
};

/** JSON (snake_case) → the client's model instance of `type`. */
function toModel<T>(body: Json, type: string): T {
  return v1.ObjectSerializer.deserialize(body, type, '') as T;
}

/** The client's model instance → JSON (snake_case), as the API sent it. */
function toJson(model: unknown, type: string): Json {
  return v1.ObjectSerializer.serialize(model, type, '') as Json;
}

const tagged = (tags: unknown) => Array.isArray(tags) && tags.includes(MANAGED_BY_TAG);

/**
 * Turns the client's own logging off (process-wide: it has one logger). It logs each failed request itself (a
 * FetchError and its stack, before our one-line message says what failed), and with DEBUG set in the environment
 * every request's headers, the keys included, and every model it fails to read while validating. Its errors reach
 * the caller as SyncApiError.
 */
export function silenceDatadogClient(): void {
  datadogClientLogger.setLevel('silent');
}

/** The real Datadog, at settings.baseUrl with the settings' keys; retries 429 and 5xx (the client's backoff). */
export function datadogRemote(settings: DatadogSettings): Remote {
  silenceDatadogClient();
  const configuration = client.createConfiguration({
    // Sends X-Datadog-Managed-By: iac, so Datadog's audit trail shows these changes came from automation.
    isIaC: true,
    baseServer: new client.BaseServerConfiguration(settings.baseUrl, {}),
    authMethods: { apiKeyAuth: settings.apiKey, appKeyAuth: settings.appKey },
    enableRetry: true,
    maxRetries: 3,
  });
  const monitors = new v1.MonitorsApi(configuration);
  const slos = new v1.ServiceLevelObjectivesApi(configuration);
  const dashboards = new v1.DashboardsApi(configuration);

  const call = async <T>(kind: Kind, op: 'read' | 'write', what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw explainApiError(e, kind, op, what, settings);
    }
  };

  return {
    async list(kind, names) {
      if (kind === 'monitor') {
        return call(kind, 'read', 'list monitors', async () => {
          const out: RemoteObject[] = [];
          // Every name monitors/ defines starts with "Lead Router"; the name filter keeps a large org's list short.
          for await (const m of monitors.listMonitorsWithPagination({ name: 'Lead Router' })) {
            if (m.name !== undefined && (names.has(m.name) || tagged(m.tags))) out.push({ id: String(m.id), name: m.name, managed: tagged(m.tags), body: toJson(m, 'Monitor') });
          }
          return out;
        });
      }
      if (kind === 'slo') {
        return call(kind, 'read', 'list SLOs', async () => {
          const out: RemoteObject[] = [];
          for await (const s of slos.listSLOsWithPagination({ query: 'Lead Router' })) {
            if (names.has(s.name) || tagged(s.tags)) out.push({ id: String(s.id), name: s.name, managed: tagged(s.tags), body: toJson(s, 'ServiceLevelObjective') });
          }
          return out;
        });
      }
      const summaries = await call(kind, 'read', 'list dashboards', async () => {
        const out: v1.DashboardSummaryDefinition[] = [];
        for await (const d of dashboards.listDashboardsWithPagination({})) {
          if (d.title !== undefined && (names.has(d.title) || String(d.description ?? '').includes(MANAGED_BY_TAG))) out.push(d);
        }
        return out;
      });
      const out: RemoteObject[] = [];
      for (const d of summaries) {
        const managed = String(d.description ?? '').includes(MANAGED_BY_TAG);
        const id = String(d.id);
        // The list carries no widgets: read the whole dashboard, but only ours (the others are never compared).
        const body = managed && names.has(String(d.title))
          ? await call(kind, 'read', `read dashboard ${id}`, async () => toJson(await dashboards.getDashboard({ dashboardId: id }), 'Dashboard'))
          : toJson(d, 'DashboardSummaryDefinition');
        out.push({ id, name: String(d.title), managed, body });
      }
      return out;
    },

    async create(kind, body) {
      const what = `create ${kind} "${String(body.name ?? body.title)}"`;
      return call(kind, 'write', what, async () => {
        if (kind === 'monitor') return String((await monitors.createMonitor({ body: toModel(body, MODEL.monitor.create) })).id);
        if (kind === 'slo') {
          const res = await slos.createSLO({ body: toModel(body, MODEL.slo.create) });
          const id = res.data?.[0]?.id;
          if (id === undefined) throw new Error('the answer carries no SLO id');
          return id;
        }
        return String((await dashboards.createDashboard({ body: toModel(body, MODEL.dashboard.create) })).id);
      });
    },

    async update(kind, id, body) {
      const what = `update ${kind} ${id} "${String(body.name ?? body.title)}"`;
      await call(kind, 'write', what, async () => {
        if (kind === 'monitor') await monitors.updateMonitor({ monitorId: Number(id), body: toModel(body, MODEL.monitor.update) });
        else if (kind === 'slo') await slos.updateSLO({ sloId: id, body: toModel(body, MODEL.slo.update) });
        else await dashboards.updateDashboard({ dashboardId: id, body: toModel(body, MODEL.dashboard.update) });
      });
    },
  };
}
