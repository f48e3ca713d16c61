import type { Knex } from 'knex';

/**
 * Per-rule assignment counts for weighted and round-robin distribution. Locked for the rest of the
 * deciding transaction, so concurrent leads of one rule take turns and the split stays exact.
 */
export async function lockRuleCounters(trx: Knex.Transaction, ruleId: string, workspaceIds: string[]): Promise<Map<string, number>> {
  await trx.raw(
    `INSERT INTO rule_destination_counters (rule_id, workspace_id)
     SELECT ?::uuid, unnest(?::uuid[]) ON CONFLICT DO NOTHING`,
    [ruleId, workspaceIds],
  );
  const rows = await trx('rule_destination_counters').select('workspace_id', 'assigned').where({ rule_id: ruleId }).orderBy('workspace_id').forUpdate();
  return new Map(rows.map((r: { workspace_id: string; assigned: string }) => [r.workspace_id, Number(r.assigned)]));
}

export async function countAssignment(trx: Knex.Transaction, ruleId: string, workspaceId: string): Promise<void> {
  await trx('rule_destination_counters').where({ rule_id: ruleId, workspace_id: workspaceId }).increment('assigned', 1);
}
