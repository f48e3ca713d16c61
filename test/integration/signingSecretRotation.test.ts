import type { FastifyInstance } from 'fastify';
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../lib/delivery/signing';
import { createDb } from '../../lib/db/createDb';
import { loggerOptions } from '../../lib/logger';
import { deliveryContext } from '../../lib/store/delivery';
import { lockAndDecideSql } from '../../migrations/0016_lock_and_decide';
import * as m0026 from '../../migrations/0026_signing_secret_rotation';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { startBuyerServer, type BuyerServer, type ReceivedDelivery } from '../support/buyerServer';
import { aLead, createRule, createWorkspace } from '../support/fixtures';
import { createTestDatabase, startTestStack, type TestStack } from '../support/stack';

/**
 * POST /api/admin/workspaces/:id/signing-secret on the real stack (Postgres, Temporal, a worker, a real buyer):
 * during the overlap a routed lead's delivery carries v1=<new>,v1=<old> and a buyer verifying with either secret
 * accepts it; once the overlap is over (or with overlap 0) only the new secret signs. The API and the worker log
 * into memory at debug level, so the scan for the secrets sees every line; the routed lead's workflow history is
 * searched for them too (the target travels beside the workflow, never through it).
 */
let stack: TestStack;
let app: FastifyInstance;
let buyer: BuyerServer;
let source: { id: string; apiKey?: string };
const logLines: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ LOG_LEVEL: 'debug' });
  const sink = new Writable({ write: (chunk, _enc, cb) => { logLines.push(String(chunk)); cb(); } });
  app = await buildApp({ db: stack.db, temporal: stack.client, config: stack.config }, { logStream: sink });
  await stack.startWorker({ log: pino(loggerOptions('debug'), sink) });
  buyer = await startBuyerServer();
  source = await createWorkspace(stack, { name: 'Rotation source', kind: 'source' });
});

afterAll(async () => {
  await app?.close();
  await stack?.stop();
  await buyer?.close();
});

const rotate = (id: string, payload?: unknown) => app.inject({
  method: 'POST',
  url: `/api/admin/workspaces/${id}/signing-secret`,
  headers: { authorization: `Bearer ${stack.adminToken}` },
  ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
});

let partners = 0;
/** A partner on its own buyer path and a rule sending it the leads of its own product. */
async function aPartner(): Promise<{ id: string; secret: string; product: string; path: string }> {
  partners += 1;
  const product = `rotation-${partners}`;
  const path = `/rotation-${partners}`;
  const partner = await createWorkspace(stack, { name: `Rotating buyer ${partners}`, kind: 'partner', deliveryUrl: buyer.url(path) });
  await createRule(stack, { name: product, priority: 100 + partners, conditions: { all: [{ field: 'product', op: 'eq', value: product }] }, destinations: [{ workspaceId: partner.id }] });
  return { id: partner.id, secret: partner.signingSecret!, product, path };
}

/** Routes one lead of `product` through the logging app and returns it with the request its buyer received. */
async function routeOne(partner: { product: string; path: string }): Promise<{ leadId: string; delivery: ReceivedDelivery }> {
  const before = buyer.received.filter((r) => r.path === partner.path).length;
  const res = await app.inject({ method: 'POST', url: '/api/leads/route?wait=10000', headers: { authorization: `Bearer ${source.apiKey!}` }, payload: aLead({ product: partner.product }) });
  expect(res.json()).toMatchObject({ status: 'routed' });
  const received = buyer.received.filter((r) => r.path === partner.path);
  expect(received).toHaveLength(before + 1);
  return { leadId: res.json().leadId as string, delivery: received.at(-1)! };
}

const verifiesWith = (delivery: ReceivedDelivery, secret: string) => verifySignature({
  secret, body: delivery.rawBody, timestamp: String(delivery.headers[TIMESTAMP_HEADER]), signature: String(delivery.headers[SIGNATURE_HEADER]),
});
const signatureValues = (delivery: ReceivedDelivery) => String(delivery.headers[SIGNATURE_HEADER]).split(',');

/** Every string and byte string (payloads are JSON bytes) of a workflow history, as one text to search. */
function historyText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) historyText(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) historyText(v, out);
  return out;
}

test('with an overlap, a routed lead is signed with both secrets: the buyer verifying with either accepts; neither is logged or in the history', async () => {
  const partner = await aPartner();
  const before = Date.now();
  const res = await rotate(partner.id, { overlapMinutes: 60 });
  expect(res.statusCode).toBe(201);
  const rotated = res.json() as { signingSecret: string; previousSecretExpiresAt: string };
  expect(Object.keys(rotated).sort()).toEqual(['previousSecretExpiresAt', 'signingSecret']);
  expect(rotated.signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
  expect(rotated.signingSecret).not.toBe(partner.secret);
  const expiresIn = Date.parse(rotated.previousSecretExpiresAt) - before;
  expect(expiresIn).toBeGreaterThan(59 * 60_000);
  expect(expiresIn).toBeLessThan(61 * 60_000);

  const { leadId, delivery } = await routeOne(partner);
  expect(signatureValues(delivery)).toHaveLength(2);
  expect(verifiesWith(delivery, rotated.signingSecret)).toBe(true);
  expect(verifiesWith(delivery, partner.secret)).toBe(true);
  expect(verifiesWith(delivery, 'whsec_someone_else_entirely_0123456789')).toBe(false);
  // The current secret's value comes first.
  expect(verifySignature({ secret: rotated.signingSecret, body: delivery.rawBody, timestamp: String(delivery.headers[TIMESTAMP_HEADER]), signature: signatureValues(delivery)[0] })).toBe(true);

  // The legacy delivery path (deliverToBuyer as its own activity) reads the same two secrets.
  expect((await deliveryContext(stack.db, partner.id, leadId)).target).toEqual({ url: buyer.url(partner.path), secret: rotated.signingSecret, previousSecret: partner.secret });

  // Not in the workflow history (the history is searchable: it names the lead), not in a log line (the logs saw the
  // rotation and the delivery), not in the stored decision.
  const handle = stack.client.workflow.getHandle(routeLeadWorkflowId(leadId));
  await handle.result();
  const history = historyText(await handle.fetchHistory()).join('\n');
  expect(history).toContain(leadId);
  const logs = logLines.join('');
  expect(logs).toContain('"route":"/api/admin/workspaces/:id/signing-secret"');
  expect(logs).toMatch(new RegExp(`"event":"routing.delivery"[^\\n]*"leadId":"${leadId}"`));
  const row = await stack.db('leads').where({ id: leadId }).first();
  const audit = JSON.stringify(await stack.db('lead_routing_logs').where({ lead_id: leadId }));
  for (const secret of [partner.secret, rotated.signingSecret]) {
    expect(history).not.toContain(secret);
    expect(logs).not.toContain(secret);
    expect(JSON.stringify(row.decision)).not.toContain(secret);
    expect(audit).not.toContain(secret);
  }
}, 60_000);

test('once the overlap is over (its expiry set in the past in SQL), only the new secret signs: the old one fails', async () => {
  const partner = await aPartner();
  const rotated = (await rotate(partner.id, { overlapMinutes: 10 })).json() as { signingSecret: string };
  await stack.db('workspaces').where({ id: partner.id }).update({ previous_signing_secret_expires_at: stack.db.raw("now() - interval '1 second'") });

  const { leadId, delivery } = await routeOne(partner);
  expect(signatureValues(delivery)).toHaveLength(1);
  expect(verifiesWith(delivery, rotated.signingSecret)).toBe(true);
  expect(verifiesWith(delivery, partner.secret)).toBe(false);
  expect((await deliveryContext(stack.db, partner.id, leadId)).target).toEqual({ url: buyer.url(partner.path), secret: rotated.signingSecret });
}, 60_000);

test('overlap 0 retires the old secret at once: one v1 value, the old secret fails, nothing kept', async () => {
  const partner = await aPartner();
  const res = await rotate(partner.id, { overlapMinutes: 0 });
  expect(res.statusCode).toBe(201);
  const rotated = res.json() as { signingSecret: string; previousSecretExpiresAt: string | null };
  expect(rotated.previousSecretExpiresAt).toBeNull();
  expect(await stack.db('workspaces').where({ id: partner.id }).first('previous_signing_secret', 'previous_signing_secret_expires_at'))
    .toEqual({ previous_signing_secret: null, previous_signing_secret_expires_at: null });

  const { delivery } = await routeOne(partner);
  expect(signatureValues(delivery)).toHaveLength(1);
  expect(verifiesWith(delivery, rotated.signingSecret)).toBe(true);
  expect(verifiesWith(delivery, partner.secret)).toBe(false);
}, 60_000);

test('rotating again during an overlap is a 409 (a request sent twice would retire the secret the buyer has); with force it keeps two secrets, the oldest dropped', async () => {
  const partner = await aPartner();
  const second = (await rotate(partner.id, { overlapMinutes: 30 })).json() as { signingSecret: string };
  const again = await rotate(partner.id, { overlapMinutes: 30 });
  expect(again.statusCode).toBe(409);
  expect(again.json().error).toMatchObject({ code: 'rotation_in_progress', message: expect.stringMatching(/overlap until .*"force": true/) });
  const before = await routeOne(partner);
  expect(verifiesWith(before.delivery, partner.secret)).toBe(true); // the buyer's secret still signs
  expect(verifiesWith(before.delivery, second.signingSecret)).toBe(true);

  const third = (await rotate(partner.id, { overlapMinutes: 30, force: true })).json() as { signingSecret: string };

  const { delivery } = await routeOne(partner);
  expect(signatureValues(delivery)).toHaveLength(2);
  expect(verifiesWith(delivery, third.signingSecret)).toBe(true);
  expect(verifiesWith(delivery, second.signingSecret)).toBe(true);
  expect(verifiesWith(delivery, partner.secret)).toBe(false);
  const row = await stack.db('workspaces').where({ id: partner.id }).first();
  expect(JSON.stringify(row)).not.toContain(partner.secret);
}, 60_000);

test('no body, or {}, is the default overlap of a day', async () => {
  for (const payload of [undefined, {}]) {
    const partner = await aPartner();
    const before = Date.now();
    const res = await rotate(partner.id, payload);
    expect(res.statusCode).toBe(201);
    const expiresIn = Date.parse(res.json().previousSecretExpiresAt) - before;
    expect(expiresIn).toBeGreaterThan(1439 * 60_000);
    expect(expiresIn).toBeLessThan(1441 * 60_000);
  }
});

test('a source is 409 naming its kind, an unknown id 404, a bad body 400 naming the field, no admin token 401: none changes a secret', async () => {
  const partner = await aPartner();
  const stored = async () => stack.db('workspaces').where({ id: partner.id }).first('signing_secret', 'previous_signing_secret', 'previous_signing_secret_expires_at');
  const untouched = await stored();

  const asSource = await rotate(source.id, { overlapMinutes: 60 });
  expect(asSource.statusCode).toBe(409);
  expect(asSource.json().error).toMatchObject({ code: 'not_a_partner', message: expect.stringContaining('is a source') });
  const unknown = await rotate(crypto.randomUUID(), { overlapMinutes: 60 });
  expect(unknown.statusCode).toBe(404);
  expect(unknown.json().error.code).toBe('not_found');

  for (const overlapMinutes of [-1, 10_081, 1.5, '60', null, true]) {
    const bad = await rotate(partner.id, { overlapMinutes });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_request');
    expect(bad.json().error.details).toEqual([expect.objectContaining({ field: 'overlapMinutes' })]);
  }
  const extra = await rotate(partner.id, { overlapMinutes: 60, signingSecret: 'whsec_mine' });
  expect(extra.statusCode).toBe(400);
  expect(extra.json().error.details).toEqual([expect.objectContaining({ field: 'signingSecret' })]);
  const badId = await rotate('not-a-uuid', { overlapMinutes: 60 });
  expect(badId.statusCode).toBe(400);
  expect(badId.json().error.details).toEqual([expect.objectContaining({ field: 'id' })]);

  const asPartnerKey = await app.inject({ method: 'POST', url: `/api/admin/workspaces/${partner.id}/signing-secret`, headers: { authorization: `Bearer ${source.apiKey!}` }, payload: {} });
  expect(asPartnerKey.statusCode).toBe(401);
  expect(await stored()).toEqual(untouched);
});

test('0026 down() restores 0025\'s lock_and_decide() exactly and drops the columns; up() again brings them back', async () => {
  const { url } = await createTestDatabase();
  const db = createDb(url, { poolMax: 2 });
  const functionBody = async () => (await db.raw("SELECT prosrc FROM pg_proc WHERE proname = 'lock_and_decide'")).rows.map((r: { prosrc: string }) => r.prosrc);
  const columns = async () => (await db.raw("SELECT column_name FROM information_schema.columns WHERE table_name = 'workspaces' AND column_name LIKE 'previous_signing_secret%' ORDER BY 1")).rows.map((r: { column_name: string }) => r.column_name);
  const bodyOf = (sql: string) => /AS \$\$([\s\S]*)\$\$;/.exec(sql)![1];
  try {
    expect(await columns()).toEqual(['previous_signing_secret', 'previous_signing_secret_expires_at']);
    expect(await functionBody()).toEqual([bodyOf(lockAndDecideSql({ rulesRevision: true, previousSecret: true }))]);
    await db.transaction((trx) => m0026.down(trx));
    expect(await columns()).toEqual([]);
    expect(await functionBody()).toEqual([bodyOf(lockAndDecideSql({ rulesRevision: true, previousSecret: false }))]);
    await db.transaction((trx) => m0026.up(trx));
    expect(await columns()).toEqual(['previous_signing_secret', 'previous_signing_secret_expires_at']);
    expect(await functionBody()).toEqual([bodyOf(lockAndDecideSql({ rulesRevision: true, previousSecret: true }))]);
    // Both set or both null.
    const [w] = await db('workspaces').insert({ name: 'p', kind: 'partner', signing_secret: 's' }).returning('id');
    await expect(db('workspaces').where({ id: w.id }).update({ previous_signing_secret: 'x' })).rejects.toThrow(/previous_signing_secret_has_expiry/);
  } finally {
    await db.destroy();
  }
});

test('the contract documents the body as optional (no body is the default overlap) and force as a boolean', async () => {
  const doc = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const body = doc.paths['/api/admin/workspaces/{id}/signing-secret'].post.requestBody;
  expect(body.required).toBe(false);
  expect(body.content['application/json'].schema).not.toHaveProperty('x-optional-body');
  expect(body.content['application/json'].schema.properties.force).toMatchObject({ type: 'boolean' });
});
