// Spend caps in the draft-ietf-httpapi-ratelimit-headers fields the rate limiter already sends: a live
// key of a capped tenant sees `"calls-day"` / `"calls-month"` policies (charged partner calls per
// local day or month) beside `"tenant"`, and what is left of them (docs/decisions/0037).

import type { RequestHandler, Response } from 'express';
import { requireAuth } from '../platform/http-context.js';
import type { PeriodQuota, QuotaStatus } from './spend-cap.js';
import type { QuotaStatusReader } from './quota-status.js';

function append(res: Response, name: string, items: readonly string[]): void {
  if (items.length === 0) return;
  const current = res.get(name);
  res.set(name, [...(current ? [current] : []), ...items].join(', '));
}

/** Adds the caps' policies and remainders to RateLimit-Policy and RateLimit. */
export function setQuotaHeaders(res: Response, status: QuotaStatus, now: Date): void {
  const named: Array<[string, PeriodQuota | null]> = [['calls-day', status.daily], ['calls-month', status.monthly]];
  const present = named.filter((n): n is [string, PeriodQuota] => n[1] !== null);
  const seconds = (q: PeriodQuota) => Math.max(0, Math.ceil((q.resetsAt.getTime() - now.getTime()) / 1000));
  append(res, 'RateLimit-Policy', present.map(([name, q]) => `"${name}";q=${q.limit};w=${q.windowSeconds}`));
  append(res, 'RateLimit', present.map(([name, q]) => `"${name}";r=${q.remaining};t=${seconds(q)}`));
}

/** On /v1, after the tenant's rate limit: live keys of capped tenants see their quota in every answer. */
export function quotaHeaders(status: QuotaStatusReader): RequestHandler {
  return async (req, res, next) => {
    const auth = requireAuth(req);
    if (auth.mode === 'live') {
      const now = new Date();
      const q = await status.of(auth.tenantId, now);
      if (q) setQuotaHeaders(res, q, now);
    }
    next();
  };
}
