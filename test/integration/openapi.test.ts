import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CLIENT_ERROR_STATUSES } from '../../api/plugins/clientErrors';
import { formatOpenApi, OPENAPI_FILE } from '../../scripts/openapi';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack } from '../support/stack';
import { useTestStack } from '../support/useStack';

/**
 * The contract as OpenAPI (DESIGN §8, issue 7): served at /openapi.json and /docs, complete (every route,
 * every status it answers, security per operation), and committed as docs/openapi.json so that API
 * changes show in review. The response schemas are also what Fastify serializes with; the stack's
 * response-schema guard (test/support/responseSchemaGuard.ts) fails any answer that would lose a property.
 */

type Operation = { operationId?: string; security?: Array<Record<string, string[]>>; responses: Record<string, { description?: string; content?: Record<string, { schema: { $ref?: string } }> }> };
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }>; schemas: Record<string, { properties?: Record<string, unknown> }> };
};

const stack = useTestStack({ worker: false });
let doc: OpenApi;

beforeAll(async () => {
  const res = await stack.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});

/**
 * Every METHOD + path the app serves, from Fastify's own route tree (printRoutes draws one line per node:
 * `├── <segment> (GET, HEAD)`, children indented four columns under their parent).
 */
function registeredRoutes(tree: string): Array<{ method: string; url: string }> {
  const routes: Array<{ method: string; url: string }> = [];
  const stackOfPaths: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const url = (stackOfPaths[depth - 1] ?? '') + match[2]!;
    stackOfPaths[depth] = url;
    stackOfPaths.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, url });
  }
  return routes;
}

test('GET /openapi.json is an OpenAPI 3.1 document with two bearer schemes and the shared error shape', () => {
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.components.securitySchemes).toEqual({
    sourceApiKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    adminToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
  });
  expect(doc.components.schemas.Error).toMatchObject({
    type: 'object',
    required: ['error'],
    properties: { error: { required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array' } } } },
  });
});

test('every registered route is documented, with its security and a response for each status it answers', () => {
  const routes = registeredRoutes(stack.app.printRoutes({ commonPrefix: false }))
    // HEAD mirrors GET; the documentation's own pages are not part of the API.
    .filter((r) => r.method !== 'HEAD' && r.url !== '/openapi.json' && !r.url.startsWith('/docs'));
  expect(routes).toContainEqual({ method: 'POST', url: '/api/leads/route' });
  expect(routes).toContainEqual({ method: 'DELETE', url: '/api/admin/rules/:id' });
  expect(routes.length).toBeGreaterThanOrEqual(16);

  const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
  const missing = routes.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`).filter((r) => !documented.includes(r));
  expect(missing).toEqual([]);

  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const label = `${method.toUpperCase()} ${p}`;
      const statuses = Object.keys(op.responses);
      expect([label, statuses.some((s) => /^2\d\d$/.test(s))]).toEqual([label, true]);
      for (const [status, response] of Object.entries(op.responses)) {
        expect([label, status, typeof response.description]).toEqual([label, status, 'string']);
        // Errors use the shared shape; /ready's 503 is its readiness report.
        if (Number(status) >= 400 && p !== '/ready') expect([label, status, response.content?.['application/json']?.schema.$ref]).toEqual([label, status, '#/components/schemas/Error']);
      }
      if (p.startsWith('/api/')) {
        // Authenticated: says with which credential, and that a wrong one is a 401 and a flood a 429.
        expect([label, op.security?.length]).toEqual([label, expect.any(Number)]);
        expect(op.security!.length).toBeGreaterThan(0);
        expect([label, statuses]).toEqual([label, expect.arrayContaining(['401', '429'])]);
        const schemes = op.security!.flatMap((s) => Object.keys(s));
        expect([label, schemes]).toEqual([label, p.startsWith('/api/admin/') ? ['adminToken'] : expect.arrayContaining(['sourceApiKey'])]);
      } else {
        expect([label, op.security]).toEqual([label, []]);
      }
      // Routes that read a body (or may be sent one) document the body errors.
      if (['post', 'put', 'patch', 'delete'].includes(method)) expect([label, statuses]).toEqual([label, expect.arrayContaining(['400', '413', '415'])]);
      if (p.includes('{id}')) expect([label, statuses]).toEqual([label, expect.arrayContaining(['400', '404'])]);
    }
  }
  expect(Object.keys(doc.paths['/api/leads/route']!.post!.responses).sort()).toEqual(['200', '202', '400', '401', '405', '408', '413', '415', '429', '431', '500', '503']);
  expect(Object.keys(doc.paths['/api/admin/leads/{id}/retry']!.post!.responses)).toEqual(expect.arrayContaining(['202', '409']));
  expect(Object.keys(doc.paths['/ready']!.get!.responses).sort()).toEqual(['200', '405', '408', '431', '500', '503']);
});

/** Every documented operation, with a concrete URL (ids as UUIDs of nothing, versions 1) and its documented statuses. */
function operations() {
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      label: `${method.toUpperCase()} ${p}`, method: method.toUpperCase(), path: p, documented: Object.keys(op.responses),
      url: p.replace('{version}', '1').replace(/\{\w+\}/g, '0b4f6a0e-3c1d-4e8f-9a2b-5d6c7e8f9a0b'),
    })),
  );
}

describe('statuses answered outside the routes are documented on every operation where they happen', () => {
  test('the operation count (the README states it)', () => {
    // 20 in session 9; a new endpoint changes this number and the README's.
    expect(operations().length).toBeGreaterThanOrEqual(20);
  });

  test('405: every path asked with a method it does not serve; each of its operations documents 405', async () => {
    let answered405 = 0;
    for (const path of Object.keys(doc.paths)) {
      const ops = operations().filter((o) => o.path === path);
      const unserved = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].find((m) => !ops.some((o) => o.method === m))!;
      const res = await stack.app.inject({ method: unserved as 'GET', url: ops[0]!.url, headers: { authorization: `Bearer ${stack.adminToken}` } });
      // A path another pattern serves with that method (/api/admin/rules/simulate vs /:id) answers that route instead.
      if (res.statusCode !== 405) continue;
      answered405 += 1;
      for (const o of ops) expect([o.label, o.documented]).toEqual([o.label, expect.arrayContaining(['405'])]);
    }
    expect(answered405).toBeGreaterThanOrEqual(Object.keys(doc.paths).length - 2);
  });

  test('414: every operation with a path parameter, sent one of 3,000 characters, answers 414 and documents it', async () => {
    const withParams = operations().filter((o) => o.path.includes('{'));
    expect(withParams.length).toBeGreaterThanOrEqual(8);
    for (const o of withParams) {
      const url = o.path.replace(/\{\w+\}/g, 'a'.repeat(3000));
      const res = await stack.app.inject({ method: o.method as 'GET', url, headers: { authorization: `Bearer ${stack.adminToken}` } });
      expect([o.label, res.statusCode, o.documented]).toEqual([o.label, 414, expect.arrayContaining(['414'])]);
    }
  });

  test('408 and 431 (Node\'s parser, before any route) and 500 are documented on every operation', () => {
    // clientErrors.ts's statuses but 400 (documented where the route validates; a request Node cannot read has no operation).
    const beforeRouting = CLIENT_ERROR_STATUSES.filter((s) => s !== 400).map(String);
    expect(beforeRouting).toEqual(['408', '431']);
    for (const o of operations()) expect([o.label, o.documented]).toEqual([o.label, expect.arrayContaining([...beforeRouting, '500'])]);
  });

  test('431 is answered on every operation (headers over 16 KiB, over a real socket)', async () => {
    const app = await startTestStack();
    try {
      await app.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.app.server.address() as net.AddressInfo;
      for (const o of operations()) {
        const head = await firstLine(port, `${o.method} ${o.url} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
        expect([o.label, head]).toEqual([o.label, expect.stringMatching(/^HTTP\/1\.1 431 /)]);
      }
    } finally {
      await app.stop();
    }
  });
});

/** The status line of the answer to `request`, written raw on a new connection (5 s deadline). */
function firstLine(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(request));
    let response = '';
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s; got ${JSON.stringify(response.slice(0, 200))}`));
    }, 5_000);
    socket.on('data', (d) => (response += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve(response.split('\r\n')[0] ?? '');
    });
  });
}

test('docs/openapi.json is the generated document (after an API change: npm run openapi:write)', () => {
  const committed = fs.existsSync(OPENAPI_FILE) ? fs.readFileSync(OPENAPI_FILE, 'utf8') : '(missing)';
  expect(committed).toBe(formatOpenApi(doc));
});

test('GET /docs is Swagger UI served from the @fastify/swagger-ui package: no CDN, works offline', async () => {
  const page = await stack.app.inject({ method: 'GET', url: '/docs' });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toMatch(/text\/html/);
  expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  expect(assets).toEqual(expect.arrayContaining(['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-ui.css']));
  const packageStatic = path.join(path.dirname(require.resolve('@fastify/swagger-ui/package.json')), 'static');
  for (const asset of assets) {
    const res = await stack.app.inject({ method: 'GET', url: asset });
    expect([asset, res.statusCode]).toEqual([asset, 200]);
    const file = path.join(packageStatic, asset.replace('/docs/static/', ''));
    if (fs.existsSync(file)) expect([asset, res.rawPayload.equals(fs.readFileSync(file))]).toEqual([asset, true]);
  }
  // The page loads the document from /docs/json: the same document.
  expect((await stack.app.inject({ method: 'GET', url: '/docs/json' })).json()).toEqual(doc);
});

test('answers carry every property their handlers return (the guard passes on each shape)', async () => {
  // One of each response shape, through the stack's response-schema guard: a property missing from
  // api/schemas/responses.ts turns the answer into a 500 naming it.
  const worker = await stack.startWorker();
  try {
    const admin = { authorization: `Bearer ${stack.adminToken}` };
    const source = await createWorkspace(stack, { name: 'Shape Source', kind: 'source', rateLimitPerMinute: 1000 });
    const partner = await createWorkspace(stack, { name: 'Shape Partner', kind: 'partner', caps: { daily: 5 } });
    const rule = await createRule(stack, { name: 'none', priority: 1, conditions: { field: 'state', op: 'eq', value: 'ZZ' }, distribution: 'weighted', destinations: [{ workspaceId: partner.id, weight: 2 }] });
    const routed = await postLead(stack, source.apiKey!, aLead(), '?wait=10000');
    expect(routed.statusCode).toBe(200);
    const leadId = routed.json().leadId as string;
    const requests = [
      () => postLead(stack, source.apiKey!, aLead()),
      () => stack.app.inject({ method: 'GET', url: `/api/leads/${leadId}`, headers: admin }),
      () => stack.app.inject({ method: 'GET', url: `/api/leads/${leadId}`, headers: { authorization: `Bearer ${source.apiKey}` } }),
      () => stack.app.inject({ method: 'GET', url: '/api/admin/workspaces', headers: admin }),
      () => stack.app.inject({ method: 'PATCH', url: `/api/admin/workspaces/${partner.id}`, headers: admin, payload: { caps: { daily: null } } }),
      () => stack.app.inject({ method: 'GET', url: '/api/admin/rules', headers: admin }),
      () => stack.app.inject({ method: 'PUT', url: `/api/admin/rules/${rule.id}`, headers: admin, payload: { name: 'none v2', priority: 2, destinations: [{ workspaceId: partner.id }] } }),
      () => stack.app.inject({ method: 'GET', url: `/api/admin/rules/${rule.id}`, headers: admin }),
      () => stack.app.inject({ method: 'POST', url: '/api/admin/rules/simulate', headers: admin, payload: { sourceWorkspaceId: source.id, lead: { email: 'sim@outlook.com' } } }),
      () => stack.app.inject({ method: 'GET', url: '/api/admin/leads', headers: admin }),
      () => stack.app.inject({ method: 'POST', url: `/api/admin/leads/${leadId}/retry`, headers: admin }),
      () => stack.app.inject({ method: 'POST', url: '/api/admin/retry-queue/process', headers: admin }),
      () => stack.app.inject({ method: 'GET', url: '/ready' }),
    ];
    const answers = [];
    for (const request of requests) answers.push(await request()); // in order: later reads see earlier writes
    for (const res of answers) expect([res.statusCode, res.body]).toEqual([expect.any(Number), expect.not.stringMatching(/response_schema_mismatch/)]);
    expect(answers.map((r) => r.statusCode)).toEqual([202, 200, 200, 200, 200, 200, 200, 200, 200, 200, 202, 200, 200]);
    // What the serialized answers hold is what the handlers built (spot checks of nullable and open fields).
    expect(answers[1]!.json()).toEqual(expect.objectContaining({ leadId, decision: expect.objectContaining({ rules: [expect.objectContaining({ ruleId: rule.id, matched: false })] }), temporalUiUrl: expect.any(String) }));
    expect(answers[2]!.json()).not.toHaveProperty('temporalUiUrl');
    expect(answers[4]!.json()).toEqual(expect.objectContaining({ caps: { hourly: null, daily: null, monthly: null }, rateLimitPerMinute: null }));
    expect(answers[7]!.json().versions).toEqual([expect.objectContaining({ version: 1, definition: expect.any(Object), createdAt: expect.any(String) }), expect.objectContaining({ version: 2 })]);
    expect(answers[8]!.json().decision).toEqual(expect.objectContaining({ kind: 'assigned', destinationWorkspaceId: partner.id, ruleVersion: 2, trace: expect.objectContaining({ rules: expect.any(Array) }) }));
    const deleted = await stack.app.inject({ method: 'DELETE', url: `/api/admin/rules/${rule.id}`, headers: admin });
    expect([deleted.statusCode, deleted.body]).toEqual([204, '']);
  } finally {
    worker.shutdown();
  }
});
