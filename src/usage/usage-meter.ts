// Usage metering inside the worker's final transaction (finalise-group.ts): what each validation
// that became final used (usage-classify.ts) is added to one random shard of usage_counters in the
// same transaction, so the counts are exact — a rolled-back group counts nothing, a retried one counts
// once — and the Prometheus series follows after commit. See docs/decisions/0036.

import type { Defer, Trx } from '../platform/db.js';
import type { Validation } from '../validations/validation-types.js';
import { classifyFinal, type FinalStep } from './usage-classify.js';
import { periodAt } from './usage-period.js';
import { addUsage, USAGE_SHARDS, type UsageDelta } from './usage-store.js';
import type { UsageMetrics } from './usage-metrics.js';

/** One validation made final by a group: the row as it was before, and the step that ended it. */
export interface FinalUsage {
  row: Validation;
  step: FinalStep;
}

export interface UsageMeter {
  /** In the final transaction, after the rows are written; adds the Prometheus counts after commit. */
  final(trx: Trx, finals: readonly FinalUsage[], now: Date, defer: Defer): Promise<void>;
}

export interface UsageMeterDeps {
  /** USAGE_TIMEZONE as minutes east of UTC. */
  offsetMinutes: number;
  metrics: UsageMetrics;
}

/** The counts a group's final validations add, on the local day of `now`. */
export function usageDeltas(finals: readonly FinalUsage[], day: string): UsageDelta[] {
  return finals.flatMap(({ row, step }) =>
    classifyFinal(row, step).map((c) => ({ tenantId: row.tenantId, livemode: row.livemode, day, rail: row.rail, partner: c.partner, kind: c.kind, count: 1 })),
  );
}

export function createUsageMeter(deps: UsageMeterDeps): UsageMeter {
  return {
    async final(trx, finals, now, defer) {
      const deltas = usageDeltas(finals, periodAt(now, deps.offsetMinutes).day);
      if (deltas.length === 0) return;
      // A shard per transaction: groups committing at once mostly write different rows.
      await addUsage(trx, deltas, Math.floor(Math.random() * USAGE_SHARDS), now);
      defer(async () => deps.metrics.add(deltas));
    },
  };
}
