import type { Db } from '../platform/db.js';
import type { NameMatchThresholds } from '../name-match/name-matcher.js';

export interface TenantSettings {
  /** Default `max_age` for new validations: how old a reused partner answer may be. 0 disables reuse. */
  reuseMaxAgeSeconds: number;
  nameMatch: NameMatchThresholds;
}

export interface TenantSettingsPatch {
  reuseMaxAgeSeconds?: number | null;
  nameMatch?: NameMatchThresholds | null;
}

/**
 * Per-tenant policy over service defaults. Workers read it for every completion, so values are kept
 * in memory for `cacheMs`; a change reaches every process within that time.
 */
export function createTenantSettings(db: Db, defaults: TenantSettings, cacheMs = 5000) {
  const cache = new Map<string, { at: number; value: TenantSettings }>();

  async function get(tenantId: string): Promise<TenantSettings> {
    const hit = cache.get(tenantId);
    if (hit && Date.now() - hit.at < cacheMs) return hit.value;
    const row = await db('tenant_settings').where({ tenant_id: tenantId }).first();
    const value: TenantSettings = {
      reuseMaxAgeSeconds: row?.reuse_max_age_seconds ?? defaults.reuseMaxAgeSeconds,
      nameMatch:
        row && row.name_match_threshold !== null && row.close_match_threshold !== null
          ? { match: Number(row.name_match_threshold), closeMatch: Number(row.close_match_threshold) }
          : defaults.nameMatch,
    };
    if (cache.size > 10_000) cache.clear();
    cache.set(tenantId, { at: Date.now(), value });
    return value;
  }

  /** `null` puts a setting back to the service default. */
  async function update(tenantId: string, patch: TenantSettingsPatch): Promise<TenantSettings> {
    const values: Record<string, unknown> = { updated_at: new Date() };
    if (patch.reuseMaxAgeSeconds !== undefined) values.reuse_max_age_seconds = patch.reuseMaxAgeSeconds;
    if (patch.nameMatch !== undefined) {
      values.name_match_threshold = patch.nameMatch?.match ?? null;
      values.close_match_threshold = patch.nameMatch?.closeMatch ?? null;
    }
    await db('tenant_settings').insert({ tenant_id: tenantId, ...values }).onConflict('tenant_id').merge(Object.keys(values));
    cache.delete(tenantId);
    return get(tenantId);
  }

  return { get, update, defaults };
}

export type TenantSettingsStore = ReturnType<typeof createTenantSettings>;
