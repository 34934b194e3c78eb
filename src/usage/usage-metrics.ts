// `payval_usage_total`: the same counts as usage_counters, added after the transaction that wrote
// them commits, so the series and the table agree (across all tenants; a process restart resets the
// series, as Prometheus counters do). Labels are fixed words and partner names, never a tenant id.

import { Counter, type Registry } from 'prom-client';
import type { UsageDelta } from './usage-store.js';

export interface UsageMetrics {
  add(deltas: readonly UsageDelta[]): void;
}

export const NO_USAGE_METRICS: UsageMetrics = Object.freeze({ add: () => undefined });

export function createUsageMetrics(registry: Registry): UsageMetrics {
  const total = new Counter({
    name: 'payval_usage_total',
    help: 'Final validations by what they used: billable (a partner charges for the call), possibly_billed (an unresolved call that may have been charged), reuse, single_flight',
    labelNames: ['kind', 'rail', 'partner', 'livemode'],
    registers: [registry],
  });
  return {
    add(deltas) {
      for (const d of deltas) total.inc({ kind: d.kind, rail: d.rail, partner: d.partner, livemode: String(d.livemode) }, d.count);
    },
  };
}
