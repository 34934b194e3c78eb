import type { Db, Trx } from '../platform/db.js';
import type { KeyMode } from './api-key.js';

export interface Tenant { id: string; name: string; status: 'active' | 'disabled'; createdAt: Date }
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  displayPrefix: string;
  mode: KeyMode;
  createdAt: Date;
  revokedAt: Date | null;
  /** To the minute; null until the key is first used. */
  lastUsedAt: Date | null;
}
export interface AuthenticatedKey { keyId: string; tenantId: string; mode: KeyMode; actor: string }

export async function insertTenant(db: Db | Trx, t: { id: string; name: string }): Promise<void> {
  await db('tenants').insert({ id: t.id, name: t.name, status: 'active', created_at: new Date() });
}

export async function findTenant(db: Db | Trx, id: string): Promise<Tenant | undefined> {
  const row = await db('tenants').where({ id }).first();
  return row ? { id: row.id, name: row.name, status: row.status, createdAt: row.created_at } : undefined;
}

export async function insertApiKey(
  db: Db | Trx,
  k: { id: string; tenantId: string; keyHash: string; displayPrefix: string; mode: KeyMode },
): Promise<void> {
  await db('api_keys').insert({
    id: k.id,
    tenant_id: k.tenantId,
    key_hash: k.keyHash,
    display_prefix: k.displayPrefix,
    mode: k.mode,
    created_at: new Date(),
  });
}

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const toApiKey = (row: Row): ApiKeyRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  displayPrefix: row.display_prefix,
  mode: row.mode,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  lastUsedAt: row.last_used_at ?? null,
});

const KEY_COLUMNS = ['id', 'tenant_id', 'display_prefix', 'mode', 'created_at', 'revoked_at', 'last_used_at'];

/** A key by id; with `tenantId`, only that tenant's key (another tenant's id is not found). */
export async function findApiKey(db: Db | Trx, id: string, tenantId?: string): Promise<ApiKeyRecord | undefined> {
  const row = await db('api_keys').where({ id, ...(tenantId !== undefined ? { tenant_id: tenantId } : {}) }).first(KEY_COLUMNS);
  return row ? toApiKey(row) : undefined;
}

/** A tenant's keys of both modes, newest first; `beforeId` continues a page. Never the hash. */
export async function listApiKeys(db: Db | Trx, q: { tenantId: string; beforeId?: string; limit: number }): Promise<ApiKeyRecord[]> {
  const query = db('api_keys').where({ tenant_id: q.tenantId }).orderBy('id', 'desc').limit(q.limit).select(KEY_COLUMNS);
  if (q.beforeId) query.where('id', '<', q.beforeId);
  return (await query).map(toApiKey);
}

/** Returns true if the key was active and is now revoked. */
export async function revokeApiKey(db: Db | Trx, id: string): Promise<boolean> {
  const n = await db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: new Date() });
  return n > 0;
}

/** `last_used_at` is kept to the minute: written only when a lookup (a key-cache miss) finds it older. */
const LAST_USED_RESOLUTION_MS = 60_000;

function noteKeyUse(db: Db, keyId: string, lastUsedAt: Date | null): void {
  const now = Date.now();
  if (lastUsedAt && now - lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  // Off the request's path: a lost write only makes "last used" a minute older.
  void db('api_keys').where({ id: keyId }).update({ last_used_at: new Date(now) }).catch(() => undefined);
}

/** Looks a presented key up by its hash; only active keys of active tenants authenticate. */
export async function findActiveKeyByHash(db: Db, keyHash: string): Promise<AuthenticatedKey | undefined> {
  const row = await db('api_keys as k')
    .join('tenants as t', 't.id', 'k.tenant_id')
    .where('k.key_hash', keyHash)
    .whereNull('k.revoked_at')
    .where('t.status', 'active')
    .first('k.id as key_id', 'k.tenant_id', 'k.mode', 'k.last_used_at');
  if (!row) return undefined;
  noteKeyUse(db, row.key_id, row.last_used_at);
  return { keyId: row.key_id, tenantId: row.tenant_id, mode: row.mode, actor: `api_key:${row.key_id}` };
}

/** Row lock on the tenant: serialises per-tenant limits (count, then insert) inside a transaction. */
export async function lockTenant(trx: Trx, id: string): Promise<void> {
  await trx('tenants').where({ id }).forUpdate().first('id');
}
