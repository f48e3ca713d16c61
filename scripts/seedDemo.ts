import { apiKeyPrefix, generateApiKey, generateSigningSecret, hashApiKey } from '../lib/apiKeys';
import type { Db } from '../lib/db/createDb';
import { insertRule } from '../lib/store/rules';
import { insertWorkspace, listWorkspaces } from '../lib/store/workspaces';

export interface DemoKeys {
  sources: Array<{ id: string; name: string; apiKey: string }>;
}

/**
 * The demo marketplace of the dev stack: 2 lead sources, 3 buyers, and rules that show priority order,
 * eq / in conditions, source scoping and a catch-all. Runs once; returns the source keys (shown once).
 */
export async function seedDemo(db: Db): Promise<DemoKeys | undefined> {
  if ((await listWorkspaces(db)).length > 0) return undefined;
  return db.transaction(async (trx) => {
    const sources = [];
    for (const name of ['Acme Lead Gen', 'Beta Affiliates']) {
      const apiKey = generateApiKey();
      const ws = await insertWorkspace(trx, { name, kind: 'source', apiKeyHash: hashApiKey(apiKey), apiKeyPrefix: apiKeyPrefix(apiKey) });
      sources.push({ id: ws.id, name, apiKey });
    }
    const partner = (name: string, timezone: string) => insertWorkspace(trx, { name, kind: 'partner', timezone, signingSecret: generateSigningSecret() });
    const westInsurance = await partner('West Coast Insurance', 'America/Los_Angeles');
    const texasMortgage = await partner('Lone Star Mortgage', 'America/Chicago');
    const national = await partner('National Leads Exchange', 'America/New_York');

    await insertRule(trx, {
      name: 'Texas mortgage leads',
      priority: 10,
      sourceWorkspaceId: null,
      conditions: { all: [{ field: 'state', op: 'eq', value: 'TX' }, { field: 'product', op: 'in', value: ['mortgage', 'heloc'] }] },
      destinations: [{ workspaceId: texasMortgage.id }],
      distribution: 'priority',
      enabled: true,
    });
    await insertRule(trx, {
      name: 'West coast insurance',
      priority: 20,
      sourceWorkspaceId: null,
      conditions: { all: [{ field: 'state', op: 'in', value: ['CA', 'OR', 'WA'] }, { field: 'product', op: 'eq', value: 'insurance' }] },
      destinations: [{ workspaceId: westInsurance.id }],
      distribution: 'priority',
      enabled: true,
    });
    await insertRule(trx, {
      name: 'Beta Affiliates: everything else to the exchange',
      priority: 100,
      sourceWorkspaceId: sources[1]!.id,
      conditions: { all: [] },
      destinations: [{ workspaceId: national.id }],
      distribution: 'priority',
      enabled: true,
    });
    return { sources };
  });
}
