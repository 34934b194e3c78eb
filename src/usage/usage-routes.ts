import { Router, type Request } from 'express';
import { requireAuth } from '../platform/http-context.js';
import { scopeOf } from '../platform/mode-scope.js';
import { csvLine } from '../batches/csv-escape.js';
import { formatUtcOffset, periodAt } from './usage-period.js';
import { USAGE_KINDS } from './usage-classify.js';
import type { UsageCounts, UsageLine } from './usage-store.js';
import { parseGroupBy, type UsageService } from './usage-service.js';
import type { PeriodQuota } from './spend-cap.js';

const query = (req: Request, name: string): string | undefined => {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
};

const counts = (c: UsageCounts) => Object.fromEntries(USAGE_KINDS.map((k) => [k, c[k]])) as UsageCounts;
const lineView = (l: UsageLine) => ({ ...(l.day ? { day: l.day } : {}), ...(l.rail ? { rail: l.rail } : {}), ...(l.partner ? { partner: l.partner } : {}), ...counts(l.counts) });

const periodView = (q: PeriodQuota | null) =>
  q && { limit: q.limit, used: q.used, in_flight: q.inFlight, remaining: q.remaining, resets_at: q.resetsAt.toISOString() };

export const USAGE_CSV_COLUMNS = ['day', 'rail', 'partner', ...USAGE_KINDS] as const;

/** Thin: openapi.yaml checked the query's shapes; the service checks the range. */
export function usageRoutes(usage: UsageService): Router {
  const router = Router();
  const timezone = formatUtcOffset(usage.timezoneOffsetMinutes);

  router.get('/v1/usage', async (req, res) => {
    const auth = requireAuth(req);
    const groupBy = parseGroupBy(query(req, 'group_by') ?? 'day');
    const r = await usage.report(scopeOf(auth), { from: query(req, 'from'), to: query(req, 'to'), groupBy });
    res.json({
      object: 'usage',
      livemode: scopeOf(auth).livemode,
      timezone,
      from: r.from,
      to: r.to,
      group_by: r.groupBy,
      data: r.lines.map(lineView),
      totals: counts(r.totals),
      quota: r.quota && { daily: periodView(r.quota.daily), monthly: periodView(r.quota.monthly) },
    });
  });

  router.get('/v1/usage/export', async (req, res) => {
    const auth = requireAuth(req);
    const scope = scopeOf(auth);
    const month = query(req, 'month') ?? periodAt(new Date(), usage.timezoneOffsetMinutes).month;
    const lines = await usage.month(scope, month);
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="usage-${month}-${scope.livemode ? 'live' : 'test'}.csv"`);
    res.send([csvLine([...USAGE_CSV_COLUMNS]), ...lines.map((l) => csvLine([l.day, l.rail, l.partner, ...USAGE_KINDS.map((k) => l.counts[k])]))].join(''));
  });

  return router;
}
