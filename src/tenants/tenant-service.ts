import type { Db } from '../platform/db.js';
import { newId } from '../platform/ids.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { decodeIdCursor, toPage } from '../platform/pagination.js';
import { generateApiKey, type KeyMode } from './api-key.js';
import { findApiKey, findTenant, insertApiKey, insertTenant, listApiKeys, revokeApiKey, type ApiKeyRecord } from './tenant-store.js';

export interface IssuedKey { keyId: string; tenantId: string; apiKey: string; mode: KeyMode }

export class TenantNotFoundError extends Error {}
export class ApiKeyNotFoundError extends Error {}

/**
 * Tenants and their API keys: the `payval tenants|keys` CLI (actor `cli`) and the console's keys page
 * (actor `user:<id>`). The plaintext key is returned once and never stored.
 */
export function createTenantService(db: Db, actor = 'cli') {
  async function issueKey(trx: Db, tenantId: string, mode: KeyMode, requestId?: string): Promise<IssuedKey> {
    const generated = generateApiKey(mode);
    const keyId = newId('key');
    await insertApiKey(trx, { id: keyId, tenantId, keyHash: generated.hash, displayPrefix: generated.displayPrefix, mode });
    await appendAudit(trx, { tenantId, actor, action: 'api_key.created', targetType: 'api_key', targetId: keyId, requestId: requestId ?? null, details: { mode } });
    return { keyId, tenantId, apiKey: generated.key, mode };
  }

  /** Revokes a key already found; audited only when it was active. */
  async function revokeFound(trx: Db, key: ApiKeyRecord, requestId?: string): Promise<{ revoked: boolean }> {
    const revoked = await revokeApiKey(trx, key.id);
    if (revoked) {
      await appendAudit(trx, { tenantId: key.tenantId, actor, action: 'api_key.revoked', targetType: 'api_key', targetId: key.id, requestId: requestId ?? null, details: { mode: key.mode } });
    }
    return { revoked };
  }

  return {
    async createTenant(name: string, mode: KeyMode = 'test'): Promise<IssuedKey & { name: string }> {
      const tenantId = newId('ten');
      return db.transaction(async (trx) => {
        await insertTenant(trx, { id: tenantId, name });
        await appendAudit(trx, { tenantId, actor, action: 'tenant.created', targetType: 'tenant', targetId: tenantId });
        return { ...(await issueKey(trx, tenantId, mode)), name };
      });
    },

    async createKey(tenantId: string, mode: KeyMode = 'test', requestId?: string): Promise<IssuedKey> {
      return db.transaction(async (trx) => {
        if (!(await findTenant(trx, tenantId))) throw new TenantNotFoundError(`tenant ${tenantId} not found`);
        return issueKey(trx, tenantId, mode, requestId);
      });
    },

    /** Any tenant's key, by id (the CLI is the operator's). */
    async revokeKey(keyId: string): Promise<{ revoked: boolean }> {
      return db.transaction(async (trx) => {
        const key = await findApiKey(trx, keyId);
        if (!key) throw new ApiKeyNotFoundError(`API key ${keyId} not found`);
        return revokeFound(trx, key);
      });
    },

    /** One tenant's key only: another tenant's key id is `api_key.not_found`, exactly like an unknown one. */
    /** `mayRevoke` decides by the key's mode (a console role may be limited to test keys). */
    async revokeTenantKey(tenantId: string, keyId: string, requestId?: string, mayRevoke: (mode: KeyMode) => boolean = () => true): Promise<{ revoked: boolean }> {
      return db.transaction(async (trx) => {
        const key = await findApiKey(trx, keyId, tenantId);
        if (!key) throw new AppError('api_key.not_found', 'No API key with this id exists for this organisation.');
        if (!mayRevoke(key.mode)) throw new AppError('console.forbidden', `Your role cannot revoke ${key.mode} keys.`);
        return revokeFound(trx, key, requestId);
      });
    },

    /** A tenant's keys of both modes, newest first, with when each was last used. */
    async listKeys(tenantId: string, cursor: string | undefined, limit: number) {
      const beforeId = cursor ? decodeIdCursor(cursor, 'key') : undefined;
      return toPage(await listApiKeys(db, { tenantId, ...(beforeId ? { beforeId } : {}), limit: limit + 1 }), limit, (k) => k.id);
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;
