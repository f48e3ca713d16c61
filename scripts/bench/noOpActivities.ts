import crypto from 'node:crypto';

/**
 * No-op stand-ins for the routing activities: each answers at once with what the happy path returns (lock
 * acquired, a buyer assigned, the delivery accepted, the lead routed), so a workflow of the product's shape
 * runs to completion without Postgres or a buyer. An activity this table does not know (the workflow's steps
 * may change) gets one answer that carries the fields of all of them, and its first call is reported through `onGeneric`.
 */
const destinationWorkspaceId = crypto.randomUUID();
const ruleId = crypto.randomUUID();
const lock = { outcome: 'acquired', status: 'routing', attempts: 1 };
const decision = { kind: 'assigned', destinationWorkspaceId, ruleId, ruleVersion: 1, trace: { rules: [] } };
const delivery = { workspaceId: destinationWorkspaceId, outcome: 'accepted', status: 200 };
const completion = { status: 'routed', result: 'success', destinationWorkspaceId };

const ANSWERS: Record<string, unknown> = {
  acquireRoutingLock: lock,
  decideRouting: decision,
  lockAndDecide: { lock, deliveryTimeoutMs: 10_000, ...decision },
  deliverToBuyer: delivery,
  completeRouting: completion,
};
const GENERIC = { ...lock, ...decision, ...delivery, ...completion, lock, decision, delivery, completion, deliveryTimeoutMs: 10_000 };

export function noOpActivities(real: Record<string, unknown>, onGeneric: (name: string) => void): Record<string, unknown> {
  const reported = new Set<string>();
  const answer = (name: string) => async () => {
    if (!(name in ANSWERS) && !reported.has(name)) {
      reported.add(name);
      onGeneric(name); // the first call only: a new step of the workflow, answered generically
    }
    return structuredClone(ANSWERS[name] ?? GENERIC);
  };
  return Object.fromEntries(Object.keys(real).map((name) => [name, answer(name)]));
}
