import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../lib/db/createDb';
import { migrateLatest } from '../../lib/db/migrate';
import { freePort } from '../../scripts/local/freePort';
import { ensureDatabase, startLocalPostgres, type LocalPostgres } from '../../scripts/local/postgres';
import { startTemporalDevServer, type DevServer } from '../../scripts/local/temporal';
import { waitFor } from '../../scripts/local/waitFor';
import { startBuyerServer, type BuyerServer } from '../support/buyerServer';
import { deferred } from '../support/deferred';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Invariants 1 and 6 across restarts of the two stores: Postgres and the Temporal server each go down
 * while a lead is between "the buyer accepted it" and "routing is recorded", and come back. Each test runs
 * its own server (on a free port, in a temp dir) so restarting it disturbs no other test file.
 */

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-router-restarts-'));
fs.chmodSync(scratch, 0o711); // as root, Postgres runs as `postgres` and must pass through
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function setUpRouting(stack: TestStack, buyer: BuyerServer) {
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const partner = await createWorkspace(stack, { name: 'Buyer', kind: 'partner', deliveryUrl: buyer.url('/buyer') });
  await createRule(stack, { name: 'all', priority: 1, destinations: [{ workspaceId: partner.id }] });
  return { source, partner };
}

const deliveriesOf = (buyer: BuyerServer) => buyer.received.filter((r) => r.path === '/buyer');

describe('Postgres restarts while a lead is in flight', () => {
  let pg: LocalPostgres;
  let stack: TestStack;
  let buyer: BuyerServer;
  const dataDir = path.join(scratch, 'pg');
  let port: number;
  const completeRoutingErrors: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    pg = await startLocalPostgres({ dataDir, port, durable: true });
    await ensureDatabase(pg.url(), 'lead_router');
    const db = createDb(pg.url('lead_router'), { poolMax: 2 });
    await migrateLatest(db).finally(() => db.destroy());
    // The held buyer answers when the test says; a delivery timeout must not overtake it on a slow machine.
    stack = await startTestStack({ DATABASE_URL: pg.url('lead_router'), DELIVERY_TIMEOUT_MS: '60000', ADMISSION_IN_FLIGHT_SECONDS: '120' });
    buyer = await startBuyerServer();
    // Record completeRouting's failures: the test must see the outage reach it, not just survive a restart.
    await stack.startWorker({
      activities: (base) => ({
        ...base,
        completeRouting: async (...args: unknown[]) => {
          try {
            return await (base.completeRouting as (...a: unknown[]) => Promise<unknown>)(...args);
          } catch (err) {
            completeRoutingErrors.push((err as Error).message);
            throw err;
          }
        },
      }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await buyer?.close();
    await pg?.stop();
  });

  test('the buyer accepts while Postgres is down: routing completes when it is back, the lead is delivered once', async () => {
    const { source, partner } = await setUpRouting(stack, buyer);
    const answer = deferred();
    buyer.respondWith('/buyer', [{ status: 200, heldUntil: answer.promise }]);

    const { leadId } = (await postLead(stack, source.apiKey!, aLead())).json();
    await waitFor('the delivery to reach the buyer', async () => (deliveriesOf(buyer).length > 0 ? true : undefined), { timeoutMs: 60_000 });

    await pg.stop(); // fast shutdown: open transactions aborted, every connection closed
    answer.resolve(); // the buyer says yes while the database is gone
    await waitFor('completeRouting to fail on the outage', async () => (completeRoutingErrors.length > 0 ? true : undefined), { timeoutMs: 60_000 });

    pg = await startLocalPostgres({ dataDir, port, durable: true });
    const routed = await waitFor('the lead to be routed after the restart', async () => {
      const row = await stack.db('leads').where({ id: leadId }).first();
      return row?.routing_status === 'routed' ? row : undefined;
    }, { timeoutMs: 90_000 });

    expect(routed).toMatchObject({ routing_result: 'success', destination_workspace_id: partner.id, routing_attempts: 1 });
    expect(await stack.db('lead_routing_logs').where({ lead_id: leadId }).count('* as n')).toEqual([{ n: '1' }]);
    expect(deliveriesOf(buyer).map((r) => r.idempotencyKey)).toEqual([leadId]); // not delivered again
    // The API's pool recovered too.
    const res = await stack.app.inject({ method: 'GET', url: `/api/leads/${leadId}`, headers: { authorization: `Bearer ${source.apiKey}` } });
    expect(res.json()).toMatchObject({ status: 'routed', destinationWorkspaceId: partner.id });
  }, 240_000);
});

describe('the Temporal server restarts while a lead is in flight', () => {
  let temporal: DevServer;
  let stack: TestStack;
  let buyer: BuyerServer;
  let port: number;
  const dbFile = path.join(scratch, 'temporal.sqlite');
  const logFile = path.join(scratch, 'temporal.log');

  beforeAll(async () => {
    port = await freePort();
    temporal = await startTemporalDevServer({ port, dbFile, logFile });
    stack = await startTestStack({ TEMPORAL_ADDRESS: temporal.address, DELIVERY_TIMEOUT_MS: '60000', ADMISSION_IN_FLIGHT_SECONDS: '120' });
    buyer = await startBuyerServer();
    await stack.startWorker();
  });
  afterAll(async () => {
    await stack?.stop();
    await buyer?.close();
    await temporal?.stop();
  });

  test('the buyer answers while Temporal is down: after the restart the lead is routed once, accepted once', async () => {
    const { source, partner } = await setUpRouting(stack, buyer);
    const answer = deferred();
    buyer.respondWith('/buyer', [{ status: 200, heldUntil: answer.promise }, 200]);

    const { leadId } = (await postLead(stack, source.apiKey!, aLead())).json();
    await waitFor('the delivery to reach the buyer', async () => (deliveriesOf(buyer).length > 0 ? true : undefined), { timeoutMs: 60_000 });

    await temporal.stop();
    answer.resolve(); // the activity finishes while its server is gone: its result may be lost
    temporal = await startTemporalDevServer({ port, dbFile, logFile }); // same SQLite file: history survives

    const routed = await waitFor('the lead to be routed after the restart', async () => {
      const row = await stack.db('leads').where({ id: leadId }).first();
      return row?.routing_status === 'routed' ? row : undefined;
    }, { timeoutMs: 150_000 });

    expect(routed).toMatchObject({ routing_result: 'success', destination_workspace_id: partner.id });
    expect(await stack.db('lead_routing_logs').where({ lead_id: leadId }).count('* as n')).toEqual([{ n: '1' }]);
    // If the result was lost, the attempt timed out and the retry re-sent the same Idempotency-Key, which the
    // buyer answered 409 (already accepted): accepted exactly once either way.
    expect(buyer.acceptedKeys('/buyer')).toEqual([leadId]);
    expect(new Set(deliveriesOf(buyer).map((r) => r.idempotencyKey))).toEqual(new Set([leadId]));
    expect(deliveriesOf(buyer).slice(1).every((r) => r.answer === 409)).toBe(true);
  }, 240_000);
});
