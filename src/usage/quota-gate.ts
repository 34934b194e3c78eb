// The spend-cap gate in the worker's claim and final transactions (docs/decisions/0037). A capped
// tenant's quota row is locked (after the validations rows, before usage_counters and the batch
// counters: the order every transaction keeps), brought up to the current day, month and caps, and
// changed by spend-cap.ts's decisions. Uncapped tenants and test mode cost nothing here: no statement.

import type { Trx } from '../platform/db.js';
import { appendAudits, type AuditEntry } from '../platform/audit-store.js';
import type { Validation } from '../validations/validation-types.js';
import { addQuotaSlots } from '../validations/validation-group-store.js';
import { isCapped, quotaWaitMs, reserveSlots, resynced, settleSlots, staleParts, type QuotaPeriodName, type QuotaRow, type SpendCaps } from './spend-cap.js';
import { periodAt, type UsagePeriod } from './usage-period.js';
import { lockQuotaRows, releaseQuotaSlots, saveQuotaRow } from './quota-store.js';
import { chargedBetween } from './usage-store.js';

export interface QuotaGateDeps {
  /** The tenant's caps in force (its settings, else SPEND_CAP_*); live mode only. */
  caps(tenantId: string): Promise<SpendCaps>;
  /** USAGE_TIMEZONE as minutes east of UTC: caps reset at its midnights. */
  offsetMinutes: number;
  /** The longest a validation refused a slot sleeps before it looks again (SPEND_CAP_WAIT_MS). */
  maxWaitMs: number;
}

/** A claimed row about to call a partner, and the slots it still needs (spend-cap.ts slotsWanted). */
export interface SlotRequest {
  row: Validation;
  need: number;
}

/** A validation that became final, with the charged calls it counted (billable + possibly billed). */
export interface SlotRelease {
  row: Validation;
  counted: number;
}

const jitter = (ms: number): number => Math.round(ms * (0.75 + Math.random() / 2));

function reachedEntries(tenantId: string, row: QuotaRow, caps: SpendCaps, reached: readonly QuotaPeriodName[]): AuditEntry[] {
  return reached.map((p) => {
    const details: Record<string, string | number> = p === 'day' ? { period: 'day', limit: caps.daily, day: row.day } : { period: 'month', limit: caps.monthly, month: row.month };
    return { tenantId, actor: 'system', action: 'quota.reached', targetType: 'tenant', targetId: tenantId, details };
  });
}

export function createQuotaGate(deps: QuotaGateDeps) {
  /** The capped tenants among `tenantIds`, with their caps. */
  async function cappedOf(tenantIds: Iterable<string>): Promise<Map<string, SpendCaps>> {
    const out = new Map<string, SpendCaps>();
    for (const id of new Set(tenantIds)) {
      const caps = await deps.caps(id);
      if (isCapped(caps)) out.set(id, caps);
    }
    return out;
  }

  /**
   * Locks the quota rows of `capped` and brings each up to `period` and its caps: the counts of a new
   * day or month, or of changed caps, are read again from usage_counters (share-locked, so the latest
   * committed counts).
   */
  async function current(trx: Trx, capped: Map<string, SpendCaps>, period: UsagePeriod, now: Date): Promise<Map<string, QuotaRow>> {
    const rows = await lockQuotaRows(trx, [...capped.keys()], now);
    for (const [tenantId, caps] of capped) {
      const row = rows.get(tenantId)!;
      const stale = staleParts(row, caps, period);
      if (!stale.day && !stale.month) continue;
      rows.set(
        tenantId,
        resynced(row, caps, period, {
          ...(stale.day ? { day: await chargedBetween(trx, tenantId, period.day, period.day, true) } : {}),
          ...(stale.month ? { month: await chargedBetween(trx, tenantId, period.monthFirstDay, period.monthLastDay, true) } : {}),
        }),
      );
    }
    return rows;
  }

  /**
   * Reserves slots for live rows of capped tenants, in order. Returns the refused rows, each with how
   * long to wait; the others may call. The granted slots are marked on their rows.
   */
  async function claim(trx: Trx, requests: readonly SlotRequest[], now: Date): Promise<Map<string, number>> {
    const refused = new Map<string, number>();
    const live = requests.filter((r) => r.row.livemode && r.need > 0);
    if (live.length === 0) return refused;
    const capped = await cappedOf(live.map((r) => r.row.tenantId));
    if (capped.size === 0) return refused;
    const period = periodAt(now, deps.offsetMinutes);
    const rows = await current(trx, capped, period, now);
    const slots: Array<{ id: string; n: number }> = [];
    const audits: AuditEntry[] = [];
    for (const [tenantId, caps] of capped) {
      const asks = live.filter((r) => r.row.tenantId === tenantId);
      const decision = reserveSlots(rows.get(tenantId)!, caps, asks.map((r) => r.need));
      asks.forEach((r, i) => {
        if (decision.granted[i]) slots.push({ id: r.row.id, n: r.need });
        else refused.set(r.row.id, jitter(quotaWaitMs(decision.blockedBy ?? 'day', period, now, deps.maxWaitMs)));
      });
      await saveQuotaRow(trx, tenantId, decision.row, now);
      audits.push(...reachedEntries(tenantId, decision.row, caps, decision.reached));
    }
    await addQuotaSlots(trx, slots);
    await appendAudits(trx, audits);
    return refused;
  }

  /** Gives back the slots of final rows and adds what they were charged to their tenants' quotas. */
  async function settle(trx: Trx, releases: readonly SlotRelease[], now: Date): Promise<void> {
    const live = releases.filter((r) => r.row.livemode && (r.row.quotaReserved > 0 || r.counted > 0));
    if (live.length === 0) return;
    const byTenant = new Map<string, { released: number; counted: number }>();
    for (const r of live) {
      const t = byTenant.get(r.row.tenantId) ?? { released: 0, counted: 0 };
      byTenant.set(r.row.tenantId, t);
      t.released += r.row.quotaReserved;
      t.counted += r.counted;
    }
    const capped = await cappedOf(byTenant.keys());
    // No longer capped: only the slots go back (a cap set again reads the counts afresh).
    for (const [tenantId, t] of [...byTenant].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!capped.has(tenantId) && t.released > 0) await releaseQuotaSlots(trx, tenantId, t.released, now);
    }
    if (capped.size === 0) return;
    const rows = await current(trx, capped, periodAt(now, deps.offsetMinutes), now);
    const audits: AuditEntry[] = [];
    for (const [tenantId, caps] of capped) {
      const t = byTenant.get(tenantId)!;
      const settled = settleSlots(rows.get(tenantId)!, caps, t.released, t.counted);
      await saveQuotaRow(trx, tenantId, settled.row, now);
      audits.push(...reachedEntries(tenantId, settled.row, caps, settled.reached));
    }
    await appendAudits(trx, audits);
  }

  return { claim, settle };
}

export type QuotaGate = ReturnType<typeof createQuotaGate>;
