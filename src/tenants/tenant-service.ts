import type { Db } from '../platform/db.js';
import { newId } from '../platform/ids.js';
import { appendAudit } from '../platform/audit-store.js';
import { generateApiKey, type KeyMode } from './api-key.js';
import { findApiKey, findTenant, insertApiKey, insertTenant, revokeApiKey } from './tenant-store.js';

export interface IssuedKey { keyId: string; tenantId: string; apiKey: string; mode: KeyMode }

export class TenantNotFoundError extends Error {}
export class ApiKeyNotFoundError extends Error {}

/** Operations behind the `payval tenants|keys` CLI. The plaintext key is returned once and never stored. */
export function createTenantService(db: Db, actor = 'cli') {
  async function issueKey(trx: Db, tenantId: string, mode: KeyMode): Promise<IssuedKey> {
    const generated = generateApiKey(mode);
    const keyId = newId('key');
    await insertApiKey(trx, { id: keyId, tenantId, keyHash: generated.hash, displayPrefix: generated.displayPrefix, mode });
    await appendAudit(trx, { tenantId, actor, action: 'api_key.created', targetType: 'api_key', targetId: keyId, details: { mode } });
    return { keyId, tenantId, apiKey: generated.key, mode };
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

    async createKey(tenantId: string, mode: KeyMode = 'test'): Promise<IssuedKey> {
      return db.transaction(async (trx) => {
        if (!(await findTenant(trx, tenantId))) throw new TenantNotFoundError(`tenant ${tenantId} not found`);
        return issueKey(trx, tenantId, mode);
      });
    },

    async revokeKey(keyId: string): Promise<{ revoked: boolean }> {
      return db.transaction(async (trx) => {
        const key = await findApiKey(trx, keyId);
        if (!key) throw new ApiKeyNotFoundError(`API key ${keyId} not found`);
        const revoked = await revokeApiKey(trx, keyId);
        if (revoked) {
          await appendAudit(trx, { tenantId: key.tenantId, actor, action: 'api_key.revoked', targetType: 'api_key', targetId: keyId });
        }
        return { revoked };
      });
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;
