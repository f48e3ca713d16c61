import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { v1 } from '@datadog/datadog-api-client';

/**
 * A local fake of the Datadog v1 API endpoints `npm run monitors:sync` uses, on 127.0.0.1 (a free port).
 * Point the sync at it with DATADOG_API_URL=fake.url.
 *
 * Endpoints (the shapes of docs.datadoghq.com/api/latest/{monitors,service-level-objectives,dashboards}):
 *  - GET /api/v1/monitor (`name` substring filter, `page` / `page_size`) → Monitor[]; POST → Monitor;
 *    PUT /api/v1/monitor/{id} → Monitor;
 *  - GET /api/v1/slo (`query` name filter, `limit` / `offset`) → {data}; POST → {data: [slo]};
 *    PUT /api/v1/slo/{id} → {data: [slo]};
 *  - GET /api/v1/dashboard (`count` / `start`) → {dashboards: summaries WITHOUT widgets, as the real one};
 *    GET/PUT /api/v1/dashboard/{id} → Dashboard; POST → Dashboard.
 * Like the real API it answers 403 `{errors: ["Forbidden"]}` to a wrong DD-API-KEY or DD-APPLICATION-KEY,
 * 400 to a body @datadog/datadog-api-client's own model cannot read (missing required field, unknown enum),
 * and 404 to an unknown id. It stores objects in memory, adds server fields (id, created, modified, creator,
 * monitor option defaults, widget ids) so a sync that compared whole objects would see spurious changes,
 * and records every request. `readOnlyAppKey` answers 403 to writes made with that application key (a key
 * without the *_write scopes).
 */
export interface FakeDatadogRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

type Obj = Record<string, unknown>;

export interface FakeDatadog {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  requests: FakeDatadogRequest[];
  /** Requests that would change something (POST / PUT / DELETE). */
  writes(): FakeDatadogRequest[];
  monitors: Map<number, Obj>;
  slos: Map<string, Obj>;
  dashboards: Map<string, Obj>;
  /** Insert an object directly (e.g. one created by hand in the Datadog UI, without our tag). */
  seed(kind: 'monitor' | 'slo' | 'dashboard', body: Obj): string | number;
  close(): Promise<void>;
}

export interface FakeDatadogOptions {
  apiKey: string;
  appKey: string;
  /** An application key accepted for reads and refused (403) for writes. */
  readOnlyAppKey?: string;
}

const MONITOR_OPTION_DEFAULTS = { notify_audit: false, include_tags: true, new_host_delay: 300, silenced: {} };

export async function startFakeDatadog(opts: FakeDatadogOptions): Promise<FakeDatadog> {
  const requests: FakeDatadogRequest[] = [];
  const monitors = new Map<number, Obj>();
  const slos = new Map<string, Obj>();
  const dashboards = new Map<string, Obj>();
  let nextMonitorId = 1000;
  let nextSeq = 1;
  const now = () => new Date().toISOString();
  const sloId = () => (nextSeq++).toString(16).padStart(32, 'a');
  const dashboardId = () => { const s = (nextSeq++).toString(36).padStart(9, 'x'); return `${s.slice(0, 3)}-${s.slice(3, 6)}-${s.slice(6, 9)}`; };

  const storeMonitor = (body: Obj, id = nextMonitorId++): Obj => {
    const stored = {
      ...body, id, created: monitors.get(id)?.created ?? now(), modified: now(), overall_state: 'OK', creator: { handle: 'fake@example.test' },
      options: { ...MONITOR_OPTION_DEFAULTS, ...(body.options as Obj | undefined) },
    };
    monitors.set(id, stored);
    return stored;
  };
  const storeSlo = (body: Obj, id = sloId()): Obj => {
    const stored = { ...body, id, created_at: Math.floor(Date.now() / 1000), modified_at: Math.floor(Date.now() / 1000), creator: { email: 'fake@example.test' } };
    slos.set(id, stored);
    return stored;
  };
  const storeDashboard = (body: Obj, id = dashboardId()): Obj => {
    const widgets = Array.isArray(body.widgets) ? body.widgets.map((w: Obj, i: number) => ({ ...w, id: 1_000_000 + i })) : [];
    const stored = { ...body, widgets, id, url: `/dashboard/${id}`, created_at: dashboards.get(id)?.created_at ?? now(), modified_at: now(), author_handle: 'fake@example.test' };
    dashboards.set(id, stored);
    return stored;
  };

  /** 400 unless the client's own model reads the body completely (as the real API validates its schema). */
  const modelProblem = (body: unknown, type: string): string | undefined => {
    try {
      const m = v1.ObjectSerializer.deserialize(body, type, '') as { _unparsed?: boolean } | undefined;
      return m && !m._unparsed ? undefined : `body is not a valid ${type}`;
    } catch (e) {
      return `body is not a valid ${type}: ${(e as Error).message}`;
    }
  };

  const route = (method: string, path: string, query: Record<string, string>, body: unknown, appKey: string): [number, unknown] => {
    const write = method !== 'GET';
    if (write && opts.readOnlyAppKey !== undefined && appKey === opts.readOnlyAppKey) return [403, { errors: ['Forbidden'] }];
    const b = (body ?? {}) as Obj;
    let m: RegExpExecArray | null;
    if (path === '/api/v1/monitor' && method === 'GET') {
      const name = (query.name ?? '').toLowerCase();
      const all = [...monitors.values()].filter((x) => String(x.name).toLowerCase().includes(name));
      const size = Number(query.page_size ?? 100);
      const page = Number(query.page ?? 0);
      return [200, query.page === undefined ? all : all.slice(page * size, (page + 1) * size)];
    }
    if (path === '/api/v1/monitor' && method === 'POST') {
      const p = modelProblem(body, 'Monitor');
      return p ? [400, { errors: [p] }] : [200, storeMonitor(b)];
    }
    if ((m = /^\/api\/v1\/monitor\/(\d+)$/.exec(path))) {
      const id = Number(m[1]);
      const existing = monitors.get(id);
      if (!existing) return [404, { errors: ['Monitor not found'] }];
      if (method === 'GET') return [200, existing];
      if (method === 'PUT') {
        const p = modelProblem(body, 'MonitorUpdateRequest');
        return p ? [400, { errors: [p] }] : [200, storeMonitor({ ...existing, ...b }, id)];
      }
    }
    if (path === '/api/v1/slo' && method === 'GET') {
      const q = (query.query ?? '').toLowerCase();
      const all = [...slos.values()].filter((x) => String(x.name).toLowerCase().includes(q));
      const offset = Number(query.offset ?? 0);
      const limit = Number(query.limit ?? 1000);
      return [200, { data: all.slice(offset, offset + limit), errors: null }];
    }
    if (path === '/api/v1/slo' && method === 'POST') {
      const p = modelProblem(body, 'ServiceLevelObjectiveRequest');
      return p ? [400, { errors: [p] }] : [200, { data: [storeSlo(b)], error: null }];
    }
    if ((m = /^\/api\/v1\/slo\/([0-9a-f]+)$/.exec(path))) {
      const id = m[1] ?? '';
      const existing = slos.get(id);
      if (!existing) return [404, { errors: ['SLO not found'] }];
      if (method === 'GET') return [200, { data: existing }];
      if (method === 'PUT') {
        const p = modelProblem(body, 'ServiceLevelObjective');
        return p ? [400, { errors: [p] }] : [200, { data: [storeSlo({ ...b }, id)], error: null }];
      }
    }
    if (path === '/api/v1/dashboard' && method === 'GET') {
      const start = Number(query.start ?? 0);
      const count = Number(query.count ?? 100);
      const summaries = [...dashboards.values()].map(({ widgets: _w, ...rest }) => rest);
      return [200, { dashboards: summaries.slice(start, start + count) }];
    }
    if (path === '/api/v1/dashboard' && method === 'POST') {
      const p = modelProblem(body, 'Dashboard');
      return p ? [400, { errors: [p] }] : [200, storeDashboard(b)];
    }
    if ((m = /^\/api\/v1\/dashboard\/([a-z0-9-]+)$/.exec(path))) {
      const id = m[1] ?? '';
      const existing = dashboards.get(id);
      if (!existing) return [404, { errors: ['Dashboard not found'] }];
      if (method === 'GET') return [200, existing];
      if (method === 'PUT') {
        const p = modelProblem(body, 'Dashboard');
        return p ? [400, { errors: [p] }] : [200, storeDashboard(b, id)];
      }
    }
    return [404, { errors: [`fake Datadog: no route ${method} ${path}`] }];
  };

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake.datadog');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try { body = raw === '' ? undefined : JSON.parse(raw); } catch { body = raw; }
      const method = req.method ?? 'GET';
      requests.push({ method, path: u.pathname, query: Object.fromEntries(u.searchParams), body });
      const appKey = String(req.headers['dd-application-key'] ?? '');
      const okKeys = req.headers['dd-api-key'] === opts.apiKey && (appKey === opts.appKey || (opts.readOnlyAppKey !== undefined && appKey === opts.readOnlyAppKey));
      const [status, payload] = okKeys ? route(method, u.pathname, Object.fromEntries(u.searchParams), body, appKey) : [403, { errors: ['Forbidden'] }];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    monitors,
    slos,
    dashboards,
    seed(kind, body) {
      if (kind === 'monitor') return storeMonitor(body).id as number;
      if (kind === 'slo') return storeSlo(body).id as string;
      return storeDashboard(body).id as string;
    },
    close: () => new Promise<void>((resolve, reject) => {
      for (const s of sockets) s.destroy();
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
}
