import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import pino from 'pino';
import { makeMaintenanceActivities } from '../../activities/maintenance';
import { buildApp } from '../../api/app';
import { createMetrics } from '../../lib/telemetry/metrics';
import { createWorkspace } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * A signing-secret rotation's follow-ups on real Postgres (migrations/0028, lib/store/signingSecrets.ts):
 * an Idempotency-Key makes a repeated rotation answer the same secret instead of rotating twice, the admin
 * workspace views show whether an overlap runs (never a secret), a rotation is logged without its secret, and the
 * every-minute sweep deletes previous secrets whose overlap ended and keys older than 24 h.
 */
let stack: TestStack;
let app: FastifyInstance;
const logLines: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ LOG_LEVEL: 'debug' }); // every line, so the scan for secrets sees all
  const sink = new Writable({ write: (chunk, _enc, cb) => { logLines.push(String(chunk)); cb(); } });
  app = await buildApp({ db: stack.db, temporal: stack.client, config: stack.config }, { logStream: sink });
});
afterAll(async () => {
  await app?.close();
  await stack?.stop();
});

const admin = () => ({ authorization: `Bearer ${stack.adminToken}` });
const rotate = (id: string, payload: Record<string, unknown>, key?: string) => app.inject({
  method: 'POST', url: `/api/admin/workspaces/${id}/signing-secret`, payload,
  headers: { ...admin(), ...(key !== undefined ? { 'idempotency-key': key } : {}) },
});
const getOne = (id: string) => app.inject({ method: 'GET', url: `/api/admin/workspaces/${id}`, headers: admin() });
const stored = (id: string) => stack.db('workspaces').where({ id }).first('signing_secret', 'previous_signing_secret', 'previous_signing_secret_expires_at');
const rotationLines = (id: string) => logLines.filter((l) => l.includes('"admin.signing_secret_rotated"') && l.includes(id)).map((l) => JSON.parse(l));
const aPartner = async (name: string) => createWorkspace(stack, { name, kind: 'partner' }) as Promise<{ id: string; signingSecret: string }>;

test('overlap 0 sent twice with one Idempotency-Key: one rotation, the same secret answered twice; the key row keeps no secret', async () => {
  const partner = await aPartner('Retried rotation');
  const first = await rotate(partner.id, { overlapMinutes: 0 }, 'rotate-1');
  const again = await rotate(partner.id, { overlapMinutes: 0 }, 'rotate-1');
  expect(first.statusCode).toBe(201);
  expect(again.statusCode).toBe(201);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  const secret = first.json().signingSecret as string;
  expect(again.json()).toEqual({ signingSecret: secret, previousSecretExpiresAt: null });
  expect(await stored(partner.id)).toEqual({ signing_secret: secret, previous_signing_secret: null, previous_signing_secret_expires_at: null });

  const keyRows = await stack.db('signing_secret_rotation_keys').where({ workspace_id: partner.id });
  expect(keyRows).toHaveLength(1);
  expect(JSON.stringify(keyRows)).not.toContain(secret);
  expect(JSON.stringify(keyRows)).not.toContain(partner.signingSecret);

  // Logged once (the repeat rotated nothing), with the workspace and the overlap, never a secret.
  expect(rotationLines(partner.id)).toEqual([expect.objectContaining({ event: 'admin.signing_secret_rotated', workspaceId: partner.id, overlapMinutes: 0, forced: false })]);
  expect(logLines.join('\n')).not.toContain(secret);
  expect(logLines.join('\n')).not.toContain(partner.signingSecret);
});

test('without a key the second overlap-0 rotation still rotates; a key is per partner', async () => {
  const [a, b] = [await aPartner('No key'), await aPartner('Key elsewhere')];
  const one = await rotate(a.id, { overlapMinutes: 0 });
  const two = await rotate(a.id, { overlapMinutes: 0 });
  expect(one.json().signingSecret).not.toBe(two.json().signingSecret);
  const ka = await rotate(a.id, { overlapMinutes: 0 }, 'shared-key');
  const kb = await rotate(b.id, { overlapMinutes: 0 }, 'shared-key');
  expect([ka.statusCode, kb.statusCode]).toEqual([201, 201]);
  expect(kb.headers['idempotent-replayed']).toBeUndefined();
  expect(ka.json().signingSecret).not.toBe(kb.json().signingSecret);
});

test('a key reused with another body is 409 idempotency_key_reused; once rotated away, its secret is not shown again (409)', async () => {
  const partner = await aPartner('Reused key');
  const first = await rotate(partner.id, { overlapMinutes: 0 }, 'k-1');
  const otherBody = await rotate(partner.id, { overlapMinutes: 30 }, 'k-1');
  expect(otherBody.statusCode).toBe(409);
  expect(otherBody.json().error.code).toBe('idempotency_key_reused');
  expect((await stored(partner.id))?.signing_secret).toBe(first.json().signingSecret);

  const next = await rotate(partner.id, { overlapMinutes: 0 }, 'k-2');
  expect(next.statusCode).toBe(201);
  const late = await rotate(partner.id, { overlapMinutes: 0 }, 'k-1');
  expect(late.statusCode).toBe(409);
  expect(late.json().error.code).toBe('idempotency_key_superseded');
  expect(late.body).not.toContain(first.json().signingSecret);
  expect((await stored(partner.id))?.signing_secret).toBe(next.json().signingSecret);
});

test('with an overlap, a repeat with the key is answered (not 409 rotation_in_progress) with the same expiry', async () => {
  const partner = await aPartner('Overlap replay');
  const first = await rotate(partner.id, { overlapMinutes: 60 }, 'overlap-key');
  const again = await rotate(partner.id, { overlapMinutes: 60 }, 'overlap-key');
  expect(again.statusCode).toBe(201);
  expect(again.json()).toEqual(first.json());
  expect((await stored(partner.id))?.previous_signing_secret).toBe(partner.signingSecret);
});

test('six requests with one key at once rotate once: every answer has the same secret', async () => {
  const partner = await aPartner('Concurrent key');
  const answers = await Promise.all(Array.from({ length: 6 }, () => rotate(partner.id, { overlapMinutes: 0 }, 'at-once')));
  expect(answers.map((a) => a.statusCode)).toEqual(Array(6).fill(201));
  expect(new Set(answers.map((a) => a.json().signingSecret)).size).toBe(1);
  expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(5);
  expect(rotationLines(partner.id)).toHaveLength(1);
});

test('a bad Idempotency-Key is a 400 naming the header, and rotates nothing', async () => {
  const partner = await aPartner('Bad key');
  for (const key of ['', 'has space', 'x'.repeat(256)]) {
    const res = await rotate(partner.id, { overlapMinutes: 0 }, key);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ field: 'idempotency-key', message: expect.stringMatching(/^must be (at most 255 characters|1-255 visible ASCII characters)/) }]);
  }
  expect((await stored(partner.id))?.signing_secret).toBe(partner.signingSecret);
});

test('GET /api/admin/workspaces/:id and the list show when the overlap ends and when the secret was rotated, never a secret', async () => {
  const partner = await aPartner('Shown');
  const source = await createWorkspace(stack, { name: 'Shown source', kind: 'source' });
  const before = await getOne(partner.id);
  expect(before.statusCode).toBe(200);
  expect(before.json()).toMatchObject({ id: partner.id, kind: 'partner', previousSecretExpiresAt: null, signingSecretRotatedAt: null });

  const rotation = await rotate(partner.id, { overlapMinutes: 60 });
  const after = (await getOne(partner.id)).json();
  expect(after.previousSecretExpiresAt).toBe(rotation.json().previousSecretExpiresAt);
  expect(Math.abs(Date.parse(after.signingSecretRotatedAt) - Date.now())).toBeLessThan(60_000);
  const listed = (await app.inject({ method: 'GET', url: '/api/admin/workspaces', headers: admin() })).json().workspaces;
  expect(listed.find((w: { id: string }) => w.id === partner.id)).toEqual(after);
  const bodies = JSON.stringify([after, listed]);
  for (const secret of [partner.signingSecret, rotation.json().signingSecret]) expect(bodies).not.toContain(secret);

  expect((await getOne(source.id)).json()).toMatchObject({ kind: 'source', previousSecretExpiresAt: null, signingSecretRotatedAt: null });
  // An overlap that has ended (the sweep not yet run) reads as none.
  await stack.db('workspaces').where({ id: partner.id }).update({ previous_signing_secret_expires_at: stack.db.raw("now() - interval '1 second'") });
  expect((await getOne(partner.id)).json().previousSecretExpiresAt).toBeNull();

  const unknown = await getOne('00000000-0000-4000-8000-000000000000');
  expect(unknown.statusCode).toBe(404);
  expect((await getOne('not-a-uuid')).statusCode).toBe(400);
  expect((await app.inject({ method: 'GET', url: `/api/admin/workspaces/${partner.id}` })).statusCode).toBe(401);
});

test('the every-minute sweep deletes previous secrets whose overlap ended and keys older than 24 h, and keeps the rest', async () => {
  const [ended, running] = [await aPartner('Overlap ended'), await aPartner('Overlap running')];
  await rotate(ended.id, { overlapMinutes: 60 }, 'old-key');
  await rotate(running.id, { overlapMinutes: 60 }, 'young-key');
  await stack.db('workspaces').where({ id: ended.id }).update({ previous_signing_secret_expires_at: stack.db.raw("now() - interval '1 second'") });
  await stack.db('signing_secret_rotation_keys').where({ workspace_id: ended.id }).update({ created_at: stack.db.raw("now() - interval '25 hours'") });

  const activities = makeMaintenanceActivities({ db: stack.db, config: stack.config, log: pino({ level: 'silent' }), metrics: createMetrics({ enabled: false }), temporal: stack.client });
  await activities.sweepStaleLocks();

  expect(await stored(ended.id)).toMatchObject({ previous_signing_secret: null, previous_signing_secret_expires_at: null });
  expect((await stored(running.id))?.previous_signing_secret).toBe(running.signingSecret);
  expect(await stack.db('signing_secret_rotation_keys').where({ workspace_id: ended.id })).toHaveLength(0);
  expect(await stack.db('signing_secret_rotation_keys').where({ workspace_id: running.id })).toHaveLength(1);
  // The forgotten key starts a new rotation: the overlap has ended, so no 409.
  const reused = await rotate(ended.id, { overlapMinutes: 60 }, 'old-key');
  expect(reused.statusCode).toBe(201);
  expect(reused.headers['idempotent-replayed']).toBeUndefined();
});
