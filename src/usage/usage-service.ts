// Reading usage through the API: a bounded range of local days, grouped, and a month as CSV lines
// (docs/decisions/0036). Counts come from usage_counters, summed over shards.

import type { Db } from '../platform/db.js';
import type { ModeScope } from '../platform/mode-scope.js';
import { AppError } from '../platform/app-error.js';
import { daysBetween, monthDays, periodAt } from './usage-period.js';
import { sumUsage, zeroCounts, type UsageCounts, type UsageGroup, type UsageLine } from './usage-store.js';
import { USAGE_KINDS } from './usage-classify.js';
import type { QuotaStatus } from './spend-cap.js';
import type { QuotaStatusReader } from './quota-status.js';

/** The longest range one request may read. */
export const USAGE_MAX_DAYS = 366;
const GROUPS: readonly UsageGroup[] = ['day', 'rail', 'partner'];

export interface UsageReport {
  from: string;
  to: string;
  groupBy: UsageGroup[];
  lines: UsageLine[];
  totals: UsageCounts;
  /** The spend caps of a live key's tenant now (null: test mode, or no cap). */
  quota: QuotaStatus | null;
}

const invalid = (message: string, field: string) => new AppError('request.invalid', message, { details: { field } });

/** `day,partner` as groups, each once and known; `none` is no grouping. */
export function parseGroupBy(text: string): UsageGroup[] {
  const parts = text === 'none' ? [] : text.split(',');
  if (!parts.every((p): p is UsageGroup => (GROUPS as readonly string[]).includes(p)) || new Set(parts).size !== parts.length) {
    throw invalid('group_by must list day, rail and partner, each at most once, separated by commas.', 'group_by');
  }
  return parts;
}

export function createUsageService(deps: { db: Db; offsetMinutes: number; quota?: QuotaStatusReader }) {
  const { db } = deps;

  /** `from`/`to` default to the current month up to today (local days). */
  async function report(scope: ModeScope, q: { from?: string; to?: string; groupBy: UsageGroup[] }, now = new Date()): Promise<UsageReport> {
    const period = periodAt(now, deps.offsetMinutes);
    const from = q.from ?? period.monthFirstDay;
    const to = q.to ?? period.day;
    const days = daysBetween(from, to);
    if (days < 1) throw invalid('to must not be before from.', 'to');
    if (days > USAGE_MAX_DAYS) throw invalid(`A usage range may cover at most ${USAGE_MAX_DAYS} days.`, 'to');
    const lines = await sumUsage(db, scope, from, to, q.groupBy);
    const totals = zeroCounts();
    for (const line of lines) for (const k of USAGE_KINDS) totals[k] += line.counts[k];
    const quota = scope.livemode && deps.quota ? await deps.quota.of(scope.tenantId, now) : null;
    return { from, to, groupBy: q.groupBy, lines, totals, quota };
  }

  /** One line per day, rail and partner of a `YYYY-MM` month (at most 31 × rails × partners). */
  async function month(scope: ModeScope, month: string): Promise<UsageLine[]> {
    const { first, last } = monthDays(month);
    return sumUsage(db, scope, first, last, ['day', 'rail', 'partner']);
  }

  return { report, month, timezoneOffsetMinutes: deps.offsetMinutes };
}

export type UsageService = ReturnType<typeof createUsageService>;
