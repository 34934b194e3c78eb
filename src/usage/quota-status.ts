// The API's view of a tenant's spend caps (docs/decisions/0037): what is left this day and month,
// for the response headers, GET /v1/usage and the refusal of new validations once a cap is used up.
// Read without locks and kept for a second per tenant; the exact gate is the worker's (quota-gate.ts).

import type { Db } from '../platform/db.js';
import { AppError } from '../platform/app-error.js';
import type { ModeScope } from '../platform/mode-scope.js';
import type { TenantSettingsStore } from '../tenants/tenant-settings.js';
import { exhausted, isCapped, quotaStatus, secondsUntil, staleParts, type QuotaStatus } from './spend-cap.js';
import { periodAt } from './usage-period.js';
import { readQuotaRow } from './quota-store.js';
import { chargedBetween } from './usage-store.js';

export interface QuotaStatusDeps {
  db: Db;
  settings: TenantSettingsStore;
  offsetMinutes: number;
  cacheMs?: number;
}

const LIMIT_NAMES = { day: 'daily', month: 'monthly' } as const;

export function createQuotaStatus(deps: QuotaStatusDeps) {
  const cacheMs = deps.cacheMs ?? 1000;
  const cache = new Map<string, { at: number; value: QuotaStatus | null }>();

  async function read(tenantId: string, now: Date): Promise<QuotaStatus | null> {
    const caps = (await deps.settings.get(tenantId)).spendCaps;
    if (!isCapped(caps)) return null;
    const period = periodAt(now, deps.offsetMinutes);
    const row = await readQuotaRow(deps.db, tenantId);
    // A row not yet brought to this day, month or caps by a worker: count from usage itself.
    const stale = row ? staleParts(row, caps, period) : { day: true, month: true };
    const dayUsed = stale.day ? await chargedBetween(deps.db, tenantId, period.day, period.day, false) : row!.dayUsed;
    const monthUsed = stale.month ? await chargedBetween(deps.db, tenantId, period.monthFirstDay, period.monthLastDay, false) : row!.monthUsed;
    return quotaStatus({ dayUsed, monthUsed, reserved: row?.reserved ?? 0 }, caps, period);
  }

  /** The live quota of a tenant, or null when it has no cap. */
  async function of(tenantId: string, now = new Date()): Promise<QuotaStatus | null> {
    const hit = cache.get(tenantId);
    if (hit && now.getTime() - hit.at < cacheMs) return hit.value;
    const value = await read(tenantId, now);
    if (cache.size > 10_000) cache.clear();
    cache.set(tenantId, { at: now.getTime(), value });
    return value;
  }

  /** Refuses new live validations with 429 `quota.exceeded` once a cap is used up; test mode is never capped. */
  async function assertOpen(scope: ModeScope, now = new Date()): Promise<void> {
    if (!scope.livemode) return;
    const status = await of(scope.tenantId, now);
    const used = status && exhausted(status);
    if (!used) return;
    const { period, quota } = used;
    throw new AppError('quota.exceeded', `The ${LIMIT_NAMES[period]} limit of ${quota.limit} billable partner calls is used up until ${quota.resetsAt.toISOString()}.`, {
      retryAfterSeconds: secondsUntil(quota.resetsAt, now),
      details: { period, limit: quota.limit, used: quota.used, resets_at: quota.resetsAt.toISOString() },
    });
  }

  return { of, assertOpen };
}

export type QuotaStatusReader = ReturnType<typeof createQuotaStatus>;
