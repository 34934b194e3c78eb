import type { Db } from '../platform/db.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import type { NameMatchThresholds } from '../name-match/name-matcher.js';
import type { KeyMode } from './api-key.js';
import { isRetentionDays, RETENTION_MAX_DAYS, RETENTION_MIN_DAYS } from '../privacy/retention-policy.js';
import type { SpendCaps } from '../usage/spend-cap.js';

export interface TenantSettings {
  /** Default `max_age` for new validations: how old a reused partner answer may be. 0 disables reuse. */
  reuseMaxAgeSeconds: number;
  nameMatch: NameMatchThresholds;
  /** Days after which a validation's personal data is purged (src/privacy/retention-sweep.ts). */
  retentionDays: number;
  /** Limits on charged partner calls in live mode (0 = none): the tenant's own, else SPEND_CAP_* (docs/decisions/0037). */
  spendCaps: SpendCaps;
}

export interface TenantSettingsPatch {
  reuseMaxAgeSeconds?: number | null;
  nameMatch?: NameMatchThresholds | null;
  retentionDays?: number | null;
  spendCaps?: { daily?: number | null; monthly?: number | null };
}

/** Service defaults; spend caps default to none. */
export type TenantSettingsDefaults = Omit<TenantSettings, 'spendCaps'> & { spendCaps?: SpendCaps };

/**
 * Per-tenant policy over service defaults. Workers read it for every completion, so values are kept
 * in memory for `cacheMs`; a change reaches every process within that time.
 */
export function createTenantSettings(db: Db, defaults: TenantSettingsDefaults, cacheMs = 5000) {
  const cache = new Map<string, { at: number; value: TenantSettings }>();
  const caps = defaults.spendCaps ?? { daily: 0, monthly: 0 };

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
      retentionDays: row?.retention_days ?? defaults.retentionDays,
      spendCaps: { daily: numberOr(row?.daily_call_cap, caps.daily), monthly: numberOr(row?.monthly_call_cap, caps.monthly) },
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
    if (patch.retentionDays !== undefined) values.retention_days = patch.retentionDays;
    if (patch.spendCaps?.daily !== undefined) values.daily_call_cap = patch.spendCaps.daily;
    if (patch.spendCaps?.monthly !== undefined) values.monthly_call_cap = patch.spendCaps.monthly;
    await db('tenant_settings').insert({ tenant_id: tenantId, ...values }).onConflict('tenant_id').merge(Object.keys(values));
    cache.delete(tenantId);
    return get(tenantId);
  }

  return { get, update, defaults };
}

export type TenantSettingsStore = ReturnType<typeof createTenantSettings>;

const numberOr = (v: unknown, fallback: number): number => (v === null || v === undefined ? fallback : Number(v));

/** The largest spend cap a tenant may set (openapi.yaml `SpendCap`). */
export const SPEND_CAP_LIMIT = 1_000_000_000;

/** `MaxAge` in openapi.yaml: 30 days. */
export const REUSE_MAX_AGE_LIMIT_SECONDS = 2_592_000;

/** Who changes settings: an API key (`PATCH /v1/settings`) or a console user. Only the refusal's wording differs. */
export interface SettingsActor {
  tenantId: string;
  mode: KeyMode;
  /** `api_key:<id>` or `user:<id>`. */
  actor: string;
  via: 'api' | 'console';
}

const LIVE_ONLY: Record<SettingsActor['via'], string> = {
  api: 'Settings apply to live payouts: change them with a live key (pv_live_…).',
  console: 'Settings apply to live payouts: switch to live data to change them.',
};

const invalid = (message: string, field: string) => new AppError('request.invalid', message, { details: { field } });

const isInt = (v: unknown, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/**
 * The rules every change of settings obeys, whoever asks. Settings steer live payouts (a match
 * threshold of 0, reuse of week-old answers), and test keys live in developers' laptops and CI: only
 * live mode may change them; both modes may read them. The range checks repeat openapi.yaml's for
 * callers the request validator does not see (the console's form).
 */
export function checkSettingsChange(who: SettingsActor, patch: TenantSettingsPatch): void {
  if (who.mode !== 'live') throw new AppError('settings.live_key_required', LIVE_ONLY[who.via]);
  checkSpendCaps(patch);
  const age = patch.reuseMaxAgeSeconds;
  if (age !== undefined && age !== null && !isInt(age, REUSE_MAX_AGE_LIMIT_SECONDS)) {
    throw invalid(`reuse_max_age_seconds must be a whole number of seconds from 0 to ${REUSE_MAX_AGE_LIMIT_SECONDS}.`, 'reuse_max_age_seconds');
  }
  const days = patch.retentionDays;
  if (days !== undefined && days !== null && !isRetentionDays(days)) {
    throw invalid(`retention_days must be a whole number of days from ${RETENTION_MIN_DAYS} to ${RETENTION_MAX_DAYS}.`, 'retention_days');
  }
  const nm = patch.nameMatch;
  if (!nm) return;
  if (!isInt(nm.match, 100)) throw invalid('match_threshold must be a whole number from 0 to 100.', 'name_match.match_threshold');
  if (!isInt(nm.closeMatch, 100)) throw invalid('close_match_threshold must be a whole number from 0 to 100.', 'name_match.close_match_threshold');
  if (nm.closeMatch > nm.match) throw invalid('close_match_threshold must not exceed match_threshold.', 'name_match.close_match_threshold');
}

function checkSpendCaps(patch: TenantSettingsPatch): void {
  for (const [field, v] of [['daily_call_cap', patch.spendCaps?.daily], ['monthly_call_cap', patch.spendCaps?.monthly]] as const) {
    if (v !== undefined && v !== null && !isInt(v, SPEND_CAP_LIMIT)) throw invalid(`${field} must be a whole number from 0 (no cap) to ${SPEND_CAP_LIMIT}.`, field);
  }
}

/** Checks, stores and audits a change; the settings now in force. */
export async function changeSettings(store: TenantSettingsStore, db: Db, who: SettingsActor, patch: TenantSettingsPatch, requestId: string): Promise<TenantSettings> {
  checkSettingsChange(who, patch);
  const updated = await store.update(who.tenantId, patch);
  await appendAudit(db, {
    tenantId: who.tenantId,
    actor: who.actor,
    action: 'settings.updated',
    targetType: 'tenant',
    targetId: who.tenantId,
    requestId,
    details: {
      reuse_max_age_seconds: updated.reuseMaxAgeSeconds,
      match_threshold: updated.nameMatch.match,
      close_match_threshold: updated.nameMatch.closeMatch,
      daily_call_cap: updated.spendCaps.daily,
      monthly_call_cap: updated.spendCaps.monthly,
      retention_days: updated.retentionDays,
    },
  });
  return updated;
}
