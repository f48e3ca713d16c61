import type { Db } from '../db/createDb';
import type { RoutingResult, RoutingStatus } from './leads';

/** Thin, typed calls of the SQL functions in migrations/0002_routing_functions.ts. */

export type LockOutcome = 'acquired' | 'reentered' | 'taken_over_stale' | 'held_by_other' | 'not_routable' | 'not_found';

export interface LockResult {
  acquired: boolean;
  outcome: LockOutcome;
  status: RoutingStatus | null;
  lockOwner: string | null;
  attempts: number | null;
}

export async function acquireRoutingLock(db: Db, leadId: string, owner: string, staleSeconds: number): Promise<LockResult> {
  const { rows } = await db.raw('SELECT * FROM acquire_routing_lock(?::uuid, ?, ?)', [leadId, owner, staleSeconds]);
  const r = rows[0];
  return { acquired: r.acquired, outcome: r.outcome, status: r.routing_status, lockOwner: r.lock_owner, attempts: r.routing_attempts };
}

export interface Completion {
  leadId: string;
  owner: string;
  result: RoutingResult;
  destinationWorkspaceId: string | null;
  ruleId: string | null;
  ruleVersion: number | null;
  duplicateOfLeadId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  decision: unknown;
  durationMs: number;
}

export type CompletionOutcome = 'completed' | 'already_completed' | 'lock_lost' | 'not_found';

export interface CompletionResult {
  outcome: CompletionOutcome;
  status: RoutingStatus | null;
  result: RoutingResult | null;
  destinationWorkspaceId: string | null;
}

export async function completeRouting(db: Db, c: Completion): Promise<CompletionResult> {
  const { rows } = await db.raw(
    'SELECT * FROM complete_routing(?::uuid, ?, ?, ?::uuid, ?::uuid, ?::integer, ?::uuid, ?, ?, ?::jsonb, ?::integer)',
    [
      c.leadId, c.owner, c.result, c.destinationWorkspaceId, c.ruleId, c.ruleVersion, c.duplicateOfLeadId,
      c.errorCode, c.errorMessage, c.decision === undefined ? null : JSON.stringify(c.decision), Math.round(c.durationMs),
    ],
  );
  const r = rows[0];
  return { outcome: r.outcome, status: r.routing_status, result: r.routing_result, destinationWorkspaceId: r.destination_workspace_id };
}
