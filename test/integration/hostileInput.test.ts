import type { FastifyInstance, InjectOptions } from 'fastify';
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { buildApp } from '../../api/app';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createRule, createWorkspace } from '../support/fixtures';
import { rowCounts as countRows } from '../support/rowCounts';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Real-world and hostile input (issue 7): every kind of value Postgres cannot store or JSON cannot
 * round-trip, ids Postgres refuses, declared charsets, and the small ones, tried at every field and
 * endpoint where the kind can strike. Each is a 4xx naming the field, writes nothing, and puts no PII in
 * a log line. The app here logs (at debug level) into memory so the log scan sees every line.
 */
let stack: TestStack;
let app: FastifyInstance;
const logLines: string[] = [];

interface Ctx {
  sourceKey: string;
  sourceId: string;
  partnerId: string;
  ruleId: string;
  leadId: string;
  adminToken: string;
}
let ctx: Ctx;

const TABLES = ['leads', 'workspaces', 'routing_rules', 'routing_rule_versions', 'lead_routing_logs', 'identity_claims'] as const;
const rowCounts = () => countRows(stack.db, TABLES);

beforeAll(async () => {
  stack = await startTestStack({ LOG_LEVEL: 'debug' });
  const sink = new Writable({ write: (chunk, _enc, cb) => { logLines.push(String(chunk)); cb(); } });
  app = await buildApp({ db: stack.db, temporal: stack.client, config: stack.config }, { logStream: sink });
  await stack.startWorker();
  const source = await createWorkspace(stack, { name: 'Hostile Source', kind: 'source' });
  const partner = await createWorkspace(stack, { name: 'Hostile Partner', kind: 'partner' });
  const rule = await createRule(stack, { name: 'Catch-all', priority: 100, destinations: [{ workspaceId: partner.id }] });
  const lead = await app.inject({ method: 'POST', url: '/api/leads/route?wait=10000', headers: { authorization: `Bearer ${source.apiKey}` }, payload: aLead() });
  expect([200, 202]).toContain(lead.statusCode);
  const leadId = lead.json().leadId as string;
  await waitFor(`lead ${leadId} routed`, async () => ((await stack.db('leads').where({ id: leadId }).first())?.routing_status === 'routed' ? true : undefined));
  ctx = { sourceKey: source.apiKey!, sourceId: source.id, partnerId: partner.id, ruleId: rule.id, leadId, adminToken: stack.adminToken };
});

afterAll(async () => {
  await app?.close();
  await stack?.stop();
});

// PII the hostile requests carry; none of it may reach a log line.
const PII = { email: 'zebediah.quux@outlook.com', phone: '+14155550137', firstName: 'Zebediah', lastName: 'Quuxworth' };
const person = { email: PII.email, phone: PII.phone, firstName: PII.firstName, lastName: PII.lastName };

const json = (c: Ctx, method: string, url: string, token: 'source' | 'admin', payload?: unknown, contentType = 'application/json'): InjectOptions => ({
  method: method as InjectOptions['method'],
  url,
  headers: { authorization: `Bearer ${token === 'source' ? c.sourceKey : c.adminToken}`, 'content-type': contentType },
  ...(payload === undefined ? {} : { payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload) }),
});
const lead = (c: Ctx, body: Record<string, unknown>) => json(c, 'POST', '/api/leads/route', 'source', { externalId: `h-${crypto.randomUUID()}`, ...person, ...body });
const simulate = (c: Ctx, leadBody: Record<string, unknown>) => json(c, 'POST', '/api/admin/rules/simulate', 'admin', { sourceWorkspaceId: c.sourceId, lead: { ...person, ...leadBody } });
const ruleWith = (c: Ctx, over: Record<string, unknown>) =>
  json(c, 'POST', '/api/admin/rules', 'admin', { name: 'R', priority: 1, destinations: [{ workspaceId: c.partnerId }], ...over });
const where = (value: unknown) => ({ all: [{ field: 'attributes.x', op: 'eq', value }] });

interface Case {
  name: string;
  request: (c: Ctx) => InjectOptions;
  status: number;
  code: string;
  /** The fields `details` must name (sorted, distinct). */
  fields?: string[];
  /** A phrase the message (or a detail's) must contain. */
  says?: RegExp;
}

// --- kind 1: text Postgres cannot store (U+0000, lone surrogates), in every string the service keeps ---
const NUL = 'Ja\u0000ne';
const LONE = 'Ja\ud800ne';
const badText: Case[] = [NUL, LONE].flatMap((bad) => {
  const k = bad === NUL ? 'NUL' : 'lone surrogate';
  return [
    ...['externalId', 'email', 'phone', 'firstName', 'lastName', 'country', 'state', 'postalCode', 'product'].map((field) => ({
      name: `${k} in lead.${field}`,
      request: (c: Ctx) => lead(c, { [field]: bad }),
      status: 400, code: 'invalid_request', fields: [field],
    })),
    { name: `${k} in an attribute value`, request: (c: Ctx) => lead(c, { attributes: { note: bad } }), status: 400, code: 'invalid_request', fields: ['attributes.note'] },
    { name: `${k} in an attribute key`, request: (c: Ctx) => lead(c, { attributes: { [bad]: 1 } }), status: 400, code: 'invalid_request', fields: ['attributes'], says: /key \\"Ja\\\\u/ }, // the key quoted in the message, escaped
    { name: `${k} in a rule name`, request: (c: Ctx) => ruleWith(c, { name: bad }), status: 400, code: 'invalid_request', fields: ['name'] },
    { name: `${k} in a rule condition value`, request: (c: Ctx) => ruleWith(c, { conditions: where(bad) }), status: 400, code: 'invalid_request', fields: ['conditions.all[0].value'] },
    { name: `${k} in a rule "in" list`, request: (c: Ctx) => ruleWith(c, { conditions: { all: [{ field: 'state', op: 'in', value: ['TX', bad] }] } }), status: 400, code: 'invalid_request', fields: ['conditions.all[0].value[1]'] },
    { name: `${k} in a workspace name`, request: (c: Ctx) => json(c, 'POST', '/api/admin/workspaces', 'admin', { name: bad, kind: 'partner' }), status: 400, code: 'invalid_request', fields: ['name'] },
    { name: `${k} in a workspace rename`, request: (c: Ctx) => json(c, 'PATCH', `/api/admin/workspaces/${c.partnerId}`, 'admin', { name: bad }), status: 400, code: 'invalid_request', fields: ['name'] },
    { name: `${k} in a workspace time zone`, request: (c: Ctx) => json(c, 'POST', '/api/admin/workspaces', 'admin', { name: 'W', kind: 'partner', timezone: bad }), status: 400, code: 'invalid_request', fields: ['timezone'] },
    { name: `${k} in simulate's lead`, request: (c: Ctx) => simulate(c, { firstName: bad }), status: 400, code: 'invalid_request', fields: ['lead.firstName'] },
  ];
});
badText.push(
  // The same lone surrogate as raw bytes (CESU-style ED A0 80) is not UTF-8 at all.
  { name: 'raw lone-surrogate bytes in a lead', request: (c) => json(c, 'POST', '/api/leads/route', 'source', Buffer.concat([Buffer.from('{"externalId":"raw-1","email":"a@outlook.com","firstName":"Ja'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('ne"}')])), status: 400, code: 'invalid_encoding' },
);

// --- kind 2: numbers JSON cannot round-trip (non-finite, integers beyond 2^53 - 1), wherever numbers enter ---
// Overflow, underflow, integers beyond 2^53 - 1, and decimals with more digits than a double keeps.
const badNumbers: Case[] = ['1e999', '-1e999', '1e-400', '12345678901234567890', '1.00000000000000000001'].flatMap((n) => [
  { name: `${n} as a lead attribute`, request: (c: Ctx) => json(c, 'POST', '/api/leads/route', 'source', `{"externalId":"n-${crypto.randomUUID()}","email":"a@outlook.com","attributes":{"creditScore":${n}}}`), status: 400, code: 'invalid_request', fields: ['attributes.creditScore'] },
  { name: `${n} as a simulated lead attribute`, request: (c: Ctx) => json(c, 'POST', '/api/admin/rules/simulate', 'admin', `{"sourceWorkspaceId":"${c.sourceId}","lead":{"email":"a@outlook.com","attributes":{"creditScore":${n}}}}`), status: 400, code: 'invalid_request', fields: ['lead.attributes.creditScore'] },
  { name: `${n} as a rule gte value`, request: (c: Ctx) => json(c, 'POST', '/api/admin/rules', 'admin', `{"name":"N","priority":1,"destinations":[{"workspaceId":"${c.partnerId}"}],"conditions":{"all":[{"field":"attributes.creditScore","op":"gte","value":${n}}]}}`), status: 400, code: 'invalid_request', fields: ['conditions.all[0].value'] },
  { name: `${n} in a rule between`, request: (c: Ctx) => json(c, 'POST', '/api/admin/rules', 'admin', `{"name":"N","priority":1,"destinations":[{"workspaceId":"${c.partnerId}"}],"conditions":{"all":[{"field":"attributes.x","op":"between","value":[0,${n}]}]}}`), status: 400, code: 'invalid_request', fields: ['conditions.all[0].value[1]'] },
  { name: `${n} as a rule priority`, request: (c: Ctx) => json(c, 'POST', '/api/admin/rules', 'admin', `{"name":"N","priority":${n},"destinations":[{"workspaceId":"${c.partnerId}"}]}`), status: 400, code: 'invalid_request', fields: ['priority'] },
  { name: `${n} as a destination weight`, request: (c: Ctx) => json(c, 'POST', '/api/admin/rules', 'admin', `{"name":"N","priority":1,"destinations":[{"workspaceId":"${c.partnerId}","weight":${n}}]}`), status: 400, code: 'invalid_request', fields: ['destinations[0].weight'] },
  { name: `${n} as a daily cap`, request: (c: Ctx) => json(c, 'POST', '/api/admin/workspaces', 'admin', `{"name":"C","kind":"partner","caps":{"daily":${n}}}`), status: 400, code: 'invalid_request', fields: ['caps.daily'] },
  { name: `${n} as a patched hourly cap`, request: (c: Ctx) => json(c, 'PATCH', `/api/admin/workspaces/${c.partnerId}`, 'admin', `{"caps":{"hourly":${n}}}`), status: 400, code: 'invalid_request', fields: ['caps.hourly'] },
]);

// --- kind 3: ids Postgres refuses, in every path, query and body ---
const badIds: Case[] = ['urn:uuid:', '{'].flatMap((prefix) => {
  const id = (c: Ctx) => (prefix === '{' ? `{${c.leadId}}` : `${prefix}${c.leadId}`);
  return [
    { name: `${prefix} id: GET lead`, request: (c: Ctx) => ({ method: 'GET' as const, url: `/api/leads/${encodeURIComponent(id(c))}`, headers: { authorization: `Bearer ${c.sourceKey}` } }), status: 400, code: 'invalid_request', fields: ['id'] },
    { name: `${prefix} id: GET rule`, request: (c: Ctx) => json(c, 'GET', `/api/admin/rules/${encodeURIComponent(id(c))}`, 'admin'), status: 400, code: 'invalid_request', fields: ['id'] },
    { name: `${prefix} id: PUT rule`, request: (c: Ctx) => json(c, 'PUT', `/api/admin/rules/${encodeURIComponent(id(c))}`, 'admin', { name: 'R', priority: 1, destinations: [{ workspaceId: c.partnerId }] }), status: 400, code: 'invalid_request', fields: ['id'] },
    { name: `${prefix} id: DELETE rule`, request: (c: Ctx) => json(c, 'DELETE', `/api/admin/rules/${encodeURIComponent(id(c))}`, 'admin'), status: 400, code: 'invalid_request', fields: ['id'] },
    { name: `${prefix} id: PATCH workspace`, request: (c: Ctx) => json(c, 'PATCH', `/api/admin/workspaces/${encodeURIComponent(id(c))}`, 'admin', { enabled: true }), status: 400, code: 'invalid_request', fields: ['id'] },
    { name: `${prefix} id: retry lead`, request: (c: Ctx) => json(c, 'POST', `/api/admin/leads/${encodeURIComponent(id(c))}/retry`, 'admin'), status: 400, code: 'invalid_request', fields: ['id'] },
    { name: `${prefix} id: ?sourceWorkspaceId`, request: (c: Ctx) => json(c, 'GET', `/api/admin/leads?sourceWorkspaceId=${encodeURIComponent(id(c))}`, 'admin'), status: 400, code: 'invalid_request', fields: ['sourceWorkspaceId'] },
    { name: `${prefix} id: rule sourceWorkspaceId`, request: (c: Ctx) => ruleWith(c, { sourceWorkspaceId: id(c) }), status: 400, code: 'invalid_request', fields: ['sourceWorkspaceId'] },
    { name: `${prefix} id: rule destination`, request: (c: Ctx) => ruleWith(c, { destinations: [{ workspaceId: id(c) }] }), status: 400, code: 'invalid_request', fields: ['destinations[0].workspaceId'] },
    { name: `${prefix} id: simulate sourceWorkspaceId`, request: (c: Ctx) => json(c, 'POST', '/api/admin/rules/simulate', 'admin', { sourceWorkspaceId: id(c), lead: person }), status: 400, code: 'invalid_request', fields: ['sourceWorkspaceId'] },
  ];
});

// --- kind 4: declared charsets and bytes that are not UTF-8 ---
const latin1 = (_c: Ctx) => Buffer.from(`{"externalId":"l1-${crypto.randomUUID()}","email":"a@outlook.com","firstName":"Jos\xe9"}`, 'latin1');
const charsets: Case[] = [
  { name: 'Latin-1 bytes declared iso-8859-1', request: (c) => json(c, 'POST', '/api/leads/route', 'source', latin1(c), 'application/json; charset=iso-8859-1'), status: 415, code: 'unsupported_media_type', says: /UTF-8/ },
  { name: 'Latin-1 bytes declared windows-1252 (admin)', request: (c) => json(c, 'POST', '/api/admin/workspaces', 'admin', Buffer.from('{"name":"Caf\xe9","kind":"partner"}', 'latin1'), 'application/json; charset=windows-1252'), status: 415, code: 'unsupported_media_type' },
  { name: 'Latin-1 bytes sent as UTF-8', request: (c) => json(c, 'POST', '/api/leads/route', 'source', latin1(c), 'application/json; charset=utf-8'), status: 400, code: 'invalid_encoding' },
  { name: 'Latin-1 bytes with no charset', request: (c) => json(c, 'POST', '/api/leads/route', 'source', latin1(c)), status: 400, code: 'invalid_encoding' },
  { name: 'Latin-1 bytes in a rule', request: (c) => json(c, 'POST', '/api/admin/rules', 'admin', Buffer.from(`{"name":"R\xe9","priority":1,"destinations":[{"workspaceId":"${c.partnerId}"}]}`, 'latin1')), status: 400, code: 'invalid_encoding' },
];

// --- kind 11: the small ones ---
const small: Case[] = [
  { name: 'country "ZZ"', request: (c) => lead(c, { country: 'ZZ' }), status: 400, code: 'invalid_request', fields: ['country'], says: /ISO 3166-1 alpha-2/ },
  { name: 'simulate country "ZZ"', request: (c) => simulate(c, { country: 'ZZ' }), status: 400, code: 'invalid_request', fields: ['lead.country'] },
  { name: '__proto__ key', request: (c) => json(c, 'POST', '/api/leads/route', 'source', '{"externalId":"p-1","email":"a@outlook.com","__proto__":{"isAdmin":true}}'), status: 400, code: 'forbidden_key', says: /__proto__/ },
  { name: 'constructor.prototype key (admin)', request: (c) => json(c, 'POST', '/api/admin/workspaces', 'admin', '{"name":"P","kind":"partner","constructor":{"prototype":{"x":1}}}'), status: 400, code: 'forbidden_key' },
  { name: 'phone with an extension', request: (c) => lead(c, { phone: '+1 415 555 0137 ext. 12' }), status: 400, code: 'invalid_request', fields: ['phone'], says: /extensions \(ext\., x\)/ },
  { name: 'time zone given as an offset', request: (c) => json(c, 'POST', '/api/admin/workspaces', 'admin', { name: 'O', kind: 'partner', timezone: '+05:30' }), status: 400, code: 'invalid_request', fields: ['timezone'] },
  // Found by review: each was a 500, a PII leak into the log, or a silently different value.
  { name: 'a lead nested 2,000 arrays deep', request: (c) => json(c, 'POST', '/api/leads/route', 'source', `{"externalId":"deep","email":"a@outlook.com","attributes":{"x":${'['.repeat(2000)}${']'.repeat(2000)}}}`), status: 400, code: 'invalid_request', says: /nests deeper than 64/ },
  { name: 'a rule nested 1,200 "all"s deep', request: (c) => json(c, 'POST', '/api/admin/rules', 'admin', `{"name":"D","priority":1,"destinations":[{"workspaceId":"${c.partnerId}"}],"conditions":${'{"all":['.repeat(1200)}${']}'.repeat(1200)}}`), status: 400, code: 'invalid_request', says: /nests deeper/ },
  { name: 'a lead posted form-style, PII in the query string', request: (c) => ({ ...lead(c, {}), url: `/api/leads/route?email=${encodeURIComponent(PII.email)}&phone=${encodeURIComponent(PII.phone)}` }), status: 400, code: 'invalid_request', fields: ['email', 'phone'] },
  { name: 'an email as a lead id in the path', request: (c) => ({ method: 'GET', url: `/api/leads/${encodeURIComponent(PII.email)}`, headers: { authorization: `Bearer ${c.sourceKey}`, 'x-request-id': `${PII.firstName}-${PII.lastName}` } }), status: 400, code: 'invalid_request', fields: ['id'] },
  { name: 'bad percent-encoding in the path', request: (c) => ({ method: 'GET', url: '/api/leads/%FF', headers: { authorization: `Bearer ${c.sourceKey}` } }), status: 400, code: 'invalid_request' },
  { name: 'a 10,000-character id', request: (c) => ({ method: 'GET', url: `/api/leads/${'a'.repeat(10_000)}`, headers: { authorization: `Bearer ${c.sourceKey}` } }), status: 414, code: 'invalid_request' },
  { name: 'country "ß" (upper-cases to SS, South Sudan)', request: (c) => lead(c, { country: 'ß' }), status: 400, code: 'invalid_request', fields: ['country'] },
  { name: 'a key sent twice', request: (c) => json(c, 'POST', '/api/leads/route', 'source', '{"externalId":"dup","email":"a@outlook.com","email":"b@outlook.com"}'), status: 400, code: 'invalid_json', says: /key ..?email..? twice/ },
  { name: '?wait=0x10 (hex)', request: (c) => ({ ...lead(c, {}), url: '/api/leads/route?wait=0x10' }), status: 400, code: 'invalid_request', fields: ['wait'] },
  { name: '?wait=%20 (a space, read as 0)', request: (c) => ({ ...lead(c, {}), url: '/api/leads/route?wait=%20' }), status: 400, code: 'invalid_request', fields: ['wait'] },
  { name: '?limit=1e2', request: (c) => json(c, 'GET', '/api/admin/leads?limit=1e2', 'admin'), status: 400, code: 'invalid_request', fields: ['limit'] },
  { name: 'externalId ending in a zero-width space', request: (c) => lead(c, { externalId: 'zw-1\u200b' }), status: 400, code: 'invalid_request', fields: ['externalId'] },
  { name: 'a workspace named with spaces only', request: (c) => json(c, 'POST', '/api/admin/workspaces', 'admin', { name: '   ', kind: 'partner' }), status: 400, code: 'invalid_request', fields: ['name'] },
  { name: 'a workspace named with a zero-width space', request: (c) => json(c, 'POST', '/api/admin/workspaces', 'admin', { name: '\u200b', kind: 'partner' }), status: 400, code: 'invalid_request', fields: ['name'] },
  { name: 'a rule name ending in a bidi override', request: (c) => ruleWith(c, { name: 'Acme\u202e' }), status: 400, code: 'invalid_request', fields: ['name'] },
  { name: 'rate limit on a partner', request: (c) => json(c, 'PATCH', `/api/admin/workspaces/${c.partnerId}`, 'admin', { rateLimitPerMinute: 100 }), status: 400, code: 'invalid_request', fields: ['rateLimitPerMinute'] },
];

const cases: Case[] = [...badText, ...badNumbers, ...badIds, ...charsets, ...small];

test('the tables cover every kind: text, numbers, ids, charsets and the small ones', () => {
  expect({ text: badText.length, numbers: badNumbers.length, ids: badIds.length, charsets: charsets.length, small: small.length }).toEqual({
    text: 37, numbers: 40, ids: 20, charsets: 5, small: 22,
  });
});

test.each(cases)('$name -> $status $code, nothing written', async ({ request, status, code, fields, says }) => {
  const before = await rowCounts();
  const res = await app.inject(request(ctx));
  const after = await rowCounts();
  const body = res.json();
  expect({ status: res.statusCode, code: body.error?.code }).toEqual({ status, code });
  if (fields) expect([...new Set((body.error.details ?? []).map((d: { field: string }) => d.field))].sort()).toEqual([...fields].sort());
  if (says) expect(JSON.stringify(body.error)).toMatch(says);
  expect(after).toEqual(before);
});

test('a body-less POST or DELETE with Content-Type: application/json is not a 400', async () => {
  const partner = await createWorkspace(stack, { name: 'Doomed', kind: 'partner' });
  const doomed = await createRule(stack, { name: 'Doomed rule', priority: 500, destinations: [{ workspaceId: partner.id }] });
  const del = await app.inject(json(ctx, 'DELETE', `/api/admin/rules/${doomed.id}`, 'admin'));
  expect(del.statusCode).toBe(204);
  const retry = await app.inject(json(ctx, 'POST', `/api/admin/leads/${ctx.leadId}/retry`, 'admin'));
  expect(retry.json()).toMatchObject({ error: { code: 'already_final' } }); // the lead is routed: a real answer, not "empty JSON body"
  expect(retry.statusCode).toBe(409);
  const processQueue = await app.inject(json(ctx, 'POST', '/api/admin/retry-queue/process', 'admin'));
  expect(processQueue.statusCode).toBe(200);
});

test('UTF-8 declared in any spelling, with a BOM, is accepted and stored exactly', async () => {
  const externalId = `bom-${crypto.randomUUID()}`;
  const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ externalId, email: 'a@outlook.com', firstName: 'José' }))]);
  const res = await app.inject(json(ctx, 'POST', '/api/leads/route', 'source', body, 'application/json; charset="UTF-8"'));
  expect(res.statusCode).toBe(202);
  const row = await stack.db('leads').where({ external_id: externalId }).first();
  expect(row.payload.firstName).toBe('José');
});

test('no PII from any hostile request reaches a log line (database errors are logged by code only)', async () => {
  expect(logLines.length).toBeGreaterThan(cases.length); // debug level: a line per request at least
  const all = logLines.join('');
  for (const value of [...Object.values(PII), encodeURIComponent(PII.email), NUL, 'Jos\\u00e9', 'José']) expect(all).not.toContain(value);
});
