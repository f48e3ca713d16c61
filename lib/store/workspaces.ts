import type { Db } from '../db/createDb';

export type WorkspaceKind = 'source' | 'partner';

/** A workspace as the rest of the code sees it: no key hash, no signing secret. */
export interface Workspace {
  id: string;
  name: string;
  kind: WorkspaceKind;
  apiKeyPrefix: string | null;
  deliveryUrl: string | null;
  timezone: string;
  caps: { hourly: number | null; daily: number | null; monthly: number | null };
  /** Requests per minute this source may send; null: the service default (RATE_LIMIT_PER_MINUTE). */
  rateLimitPerMinute: number | null;
  enabled: boolean;
  /**
   * Partners: when the secret replaced by the last rotation stops signing (ISO 8601), while that overlap runs;
   * null when none runs (never rotated, an overlap of 0, or ended). Sources: null. Never the secret itself.
   */
  previousSecretExpiresAt: string | null;
  /** Partners: when the signing secret was last rotated (ISO 8601); null when never (sources: null). */
  signingSecretRotatedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewWorkspace {
  name: string;
  kind: WorkspaceKind;
  apiKeyHash?: string;
  apiKeyPrefix?: string;
  deliveryUrl?: string;
  signingSecret?: string;
  timezone?: string;
  caps?: { hourly?: number; daily?: number; monthly?: number };
  rateLimitPerMinute?: number | null;
  enabled?: boolean;
}

const COLUMNS = ['id', 'name', 'kind', 'api_key_prefix', 'delivery_url', 'timezone', 'cap_hourly', 'cap_daily', 'cap_monthly', 'rate_limit_per_minute', 'enabled',
  'previous_signing_secret_expires_at', 'signing_secret_rotated_at', 'created_at', 'updated_at'];

type Row = Record<string, unknown>;

/** An overlap's end while it is ahead; null once passed (the sweep clears it within a minute: lib/store/signingSecrets.ts). */
function runningOverlapEnd(expiresAt: Date | null): string | null {
  return expiresAt && new Date(expiresAt).getTime() > Date.now() ? new Date(expiresAt).toISOString() : null;
}

function toWorkspace(r: Row): Workspace {
  return {
    id: r.id as string,
    name: r.name as string,
    kind: r.kind as WorkspaceKind,
    apiKeyPrefix: (r.api_key_prefix as string | null) ?? null,
    deliveryUrl: (r.delivery_url as string | null) ?? null,
    timezone: r.timezone as string,
    caps: { hourly: r.cap_hourly as number | null, daily: r.cap_daily as number | null, monthly: r.cap_monthly as number | null },
    rateLimitPerMinute: (r.rate_limit_per_minute as number | null) ?? null,
    enabled: r.enabled as boolean,
    previousSecretExpiresAt: runningOverlapEnd(r.previous_signing_secret_expires_at as Date | null),
    signingSecretRotatedAt: r.signing_secret_rotated_at ? new Date(r.signing_secret_rotated_at as string).toISOString() : null,
    createdAt: new Date(r.created_at as string).toISOString(),
    updatedAt: new Date(r.updated_at as string).toISOString(),
  };
}

export async function insertWorkspace(db: Db, w: NewWorkspace): Promise<Workspace> {
  const [row] = await db('workspaces')
    .insert({
      name: w.name,
      kind: w.kind,
      api_key_hash: w.apiKeyHash ?? null,
      api_key_prefix: w.apiKeyPrefix ?? null,
      delivery_url: w.deliveryUrl ?? null,
      signing_secret: w.signingSecret ?? null,
      timezone: w.timezone ?? 'UTC',
      cap_hourly: w.caps?.hourly ?? null,
      cap_daily: w.caps?.daily ?? null,
      cap_monthly: w.caps?.monthly ?? null,
      rate_limit_per_minute: w.rateLimitPerMinute ?? null,
      enabled: w.enabled ?? true,
    })
    .returning(COLUMNS);
  return toWorkspace(row as Row);
}

export async function listWorkspaces(db: Db, kind?: WorkspaceKind): Promise<Workspace[]> {
  const q = db('workspaces').select(COLUMNS).orderBy('created_at', 'asc').orderBy('id');
  if (kind) q.where({ kind });
  return (await q).map(toWorkspace);
}

export async function getWorkspace(db: Db, id: string): Promise<Workspace | undefined> {
  const row = await db('workspaces').select(COLUMNS).where({ id }).first();
  return row ? toWorkspace(row) : undefined;
}

/** The enabled source workspace that owns this API key hash, if any. */
export async function findSourceByKeyHash(db: Db, apiKeyHash: string): Promise<Workspace | undefined> {
  const row = await db('workspaces').select(COLUMNS).where({ api_key_hash: apiKeyHash, kind: 'source', enabled: true }).first();
  return row ? toWorkspace(row) : undefined;
}

/** Ids of the given workspaces that are enabled partners (the ones a rule may route to). */
export async function enabledPartnerIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db('workspaces').select('id').whereIn('id', ids).where({ kind: 'partner', enabled: true });
  return new Set(rows.map((r: Row) => r.id as string));
}

export interface WorkspacePatch {
  name?: string;
  deliveryUrl?: string | null;
  timezone?: string;
  caps?: { hourly?: number | null; daily?: number | null; monthly?: number | null };
  rateLimitPerMinute?: number | null;
  enabled?: boolean;
}

export async function updateWorkspace(db: Db, id: string, patch: WorkspacePatch): Promise<Workspace | undefined> {
  const changes: Record<string, unknown> = { updated_at: db.fn.now() };
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.deliveryUrl !== undefined) changes.delivery_url = patch.deliveryUrl;
  if (patch.timezone !== undefined) changes.timezone = patch.timezone;
  if (patch.enabled !== undefined) changes.enabled = patch.enabled;
  if (patch.caps?.hourly !== undefined) changes.cap_hourly = patch.caps.hourly;
  if (patch.caps?.daily !== undefined) changes.cap_daily = patch.caps.daily;
  if (patch.caps?.monthly !== undefined) changes.cap_monthly = patch.caps.monthly;
  if (patch.rateLimitPerMinute !== undefined) changes.rate_limit_per_minute = patch.rateLimitPerMinute;
  const [row] = await db('workspaces').where({ id }).update(changes).returning(COLUMNS);
  return row ? toWorkspace(row as Row) : undefined;
}

/**
 * Gives a source a new API key: only its hash and display prefix are stored (lib/apiKeys.ts), replacing the old
 * ones in one UPDATE, so the old key stops matching at once. Returns the workspace, or undefined when `id` is
 * not a source.
 */
export async function replaceSourceApiKey(db: Db, id: string, key: { apiKeyHash: string; apiKeyPrefix: string }): Promise<Workspace | undefined> {
  const [row] = await db('workspaces')
    .where({ id, kind: 'source' })
    .update({ api_key_hash: key.apiKeyHash, api_key_prefix: key.apiKeyPrefix, updated_at: db.fn.now() })
    .returning(COLUMNS);
  return row ? toWorkspace(row as Row) : undefined;
}
