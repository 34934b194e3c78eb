// Spend caps as pure decisions over a tenant's quota row (docs/decisions/0037). A capped tenant's
// row counts the calls that may cost money (billable + possibly billed) used in the current day and
// month, and `reserved`: slots held by unfinished validations that are about to call, or have called,
// a partner. A validation reserves a slot before its first paid call and keeps it until it is final,
// so `used + reserved` bounds what the partners can charge, whatever runs at once: a cap of N lets
// exactly N charged calls through. Callers hold the row's lock (quota-gate.ts) and save what these return.

import { daysBetween, type UsagePeriod } from './usage-period.js';
import type { PartnerFollowup } from '../validations/validation-types.js';

/** Limits on charged partner calls; 0 = no limit. */
export interface SpendCaps {
  daily: number;
  monthly: number;
}

export const isCapped = (c: SpendCaps): boolean => c.daily > 0 || c.monthly > 0;

export type QuotaPeriodName = 'day' | 'month';

export interface QuotaRow {
  day: string;
  dayUsed: number;
  month: string;
  monthUsed: number;
  reserved: number;
  /** The caps the used counts were last read under: a change of caps reads them again from usage. */
  dailyCap: number;
  monthlyCap: number;
  /** The day and month `quota.reached` was last audited for (once per period). */
  reachedDay: string | null;
  reachedMonth: string | null;
}

/**
 * Which used counts must be read again from usage_counters: a new day or month, or caps other than
 * those the row was kept under (the tenant was uncapped meanwhile, and nothing kept the row up to date).
 */
export function staleParts(row: QuotaRow, caps: SpendCaps, period: UsagePeriod): { day: boolean; month: boolean } {
  const capsChanged = row.dailyCap !== caps.daily || row.monthlyCap !== caps.monthly;
  return { day: capsChanged || row.day !== period.day, month: capsChanged || row.month !== period.month };
}

/** The row with the used counts read again where they were stale. */
export function resynced(row: QuotaRow, caps: SpendCaps, period: UsagePeriod, used: { day?: number; month?: number }): QuotaRow {
  return {
    ...row,
    day: period.day,
    dayUsed: used.day ?? row.dayUsed,
    month: period.month,
    monthUsed: used.month ?? row.monthUsed,
    dailyCap: caps.daily,
    monthlyCap: caps.monthly,
  };
}

/**
 * Slots a claimed row still needs before this attempt: one for its call, and one more when an
 * earlier call is unresolved and no longer held with its partner (the row may now be charged by
 * another). Free follow-ups (asking about a pending answer) need none.
 */
export function slotsWanted(row: { quotaReserved: number; partnerFollowup: PartnerFollowup | null }, held: string | null, free: boolean): number {
  if (free) return 0;
  const wanted = row.partnerFollowup !== null && held === null ? 2 : 1;
  return Math.max(0, wanted - row.quotaReserved);
}

export interface Reservation {
  /** One per need, in order. */
  granted: boolean[];
  row: QuotaRow;
  /** The period whose cap refused a need (the one that resets last when both did), or null. */
  blockedBy: QuotaPeriodName | null;
  /** Periods to audit `quota.reached` for now (at most once per period). */
  reached: QuotaPeriodName[];
}

function markReached(row: QuotaRow, periods: readonly QuotaPeriodName[]): { row: QuotaRow; reached: QuotaPeriodName[] } {
  const reached = periods.filter((p) => (p === 'day' ? row.reachedDay !== row.day : row.reachedMonth !== row.month));
  if (reached.length === 0) return { row, reached };
  return {
    row: { ...row, ...(reached.includes('day') ? { reachedDay: row.day } : {}), ...(reached.includes('month') ? { reachedMonth: row.month } : {}) },
    reached,
  };
}

/** Grants needs in order while `used + reserved` stays within both caps. `row` must be current (staleParts). */
export function reserveSlots(row: QuotaRow, caps: SpendCaps, needs: readonly number[]): Reservation {
  let reserved = row.reserved;
  const blocked = new Set<QuotaPeriodName>();
  const granted = needs.map((n) => {
    if (n <= 0) return true;
    const dayFull = caps.daily > 0 && row.dayUsed + reserved + n > caps.daily;
    const monthFull = caps.monthly > 0 && row.monthUsed + reserved + n > caps.monthly;
    if (dayFull) blocked.add('day');
    if (monthFull) blocked.add('month');
    if (dayFull || monthFull) return false;
    reserved += n;
    return true;
  });
  const marked = markReached({ ...row, reserved }, [...blocked]);
  return { granted, row: marked.row, blockedBy: blocked.has('month') ? 'month' : blocked.has('day') ? 'day' : null, reached: marked.reached };
}

/** Final validations give their slots back and add what they were charged. `row` must be current. */
export function settleSlots(row: QuotaRow, caps: SpendCaps, released: number, counted: number): { row: QuotaRow; reached: QuotaPeriodName[] } {
  const next = { ...row, reserved: Math.max(0, row.reserved - released), dayUsed: row.dayUsed + counted, monthUsed: row.monthUsed + counted };
  const full: QuotaPeriodName[] = [];
  if (counted > 0 && caps.daily > 0 && next.dayUsed >= caps.daily) full.push('day');
  if (counted > 0 && caps.monthly > 0 && next.monthUsed >= caps.monthly) full.push('month');
  return markReached(next, full);
}

export interface PeriodQuota {
  limit: number;
  /** Charged calls counted this period. */
  used: number;
  /** Slots held by unfinished validations (they may or may not end up charged). */
  inFlight: number;
  /** `limit - used`, never below 0. New validations are refused at 0. */
  remaining: number;
  resetsAt: Date;
  /** The period's length: a day, or this month's days. */
  windowSeconds: number;
}

export interface QuotaStatus {
  daily: PeriodQuota | null;
  monthly: PeriodQuota | null;
}

export function quotaStatus(counts: { dayUsed: number; monthUsed: number; reserved: number }, caps: SpendCaps, period: UsagePeriod): QuotaStatus {
  const of = (limit: number, used: number, resetsAt: Date, days: number): PeriodQuota | null =>
    limit > 0 ? { limit, used, inFlight: counts.reserved, remaining: Math.max(0, limit - used), resetsAt, windowSeconds: days * 86_400 } : null;
  return {
    daily: of(caps.daily, counts.dayUsed, period.dayEndsAt, 1),
    monthly: of(caps.monthly, counts.monthUsed, period.monthEndsAt, daysBetween(period.monthFirstDay, period.monthLastDay)),
  };
}

/** The period that is used up (the month when both are: it resets last), or null. */
export function exhausted(status: QuotaStatus): { period: QuotaPeriodName; quota: PeriodQuota } | null {
  if (status.monthly && status.monthly.remaining === 0) return { period: 'month', quota: status.monthly };
  if (status.daily && status.daily.remaining === 0) return { period: 'day', quota: status.daily };
  return null;
}

/** Whole seconds until `at`, at least 1 (a Retry-After). */
export const secondsUntil = (at: Date, now: Date): number => Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));

/** How long a validation refused a slot sleeps: until its period resets, or `maxWaitMs` to see a raised cap. */
export function quotaWaitMs(blockedBy: QuotaPeriodName, period: UsagePeriod, now: Date, maxWaitMs: number): number {
  const resetsAt = blockedBy === 'day' ? period.dayEndsAt : period.monthEndsAt;
  return Math.max(1, Math.min(maxWaitMs, resetsAt.getTime() - now.getTime()));
}
