// Usage metering inside the worker's final transaction (finalise-group.ts): what each validation
// that became final used (usage-classify.ts) is added to one random shard of usage_counters in the
// same transaction, so the counts are exact — a rolled-back group counts nothing, a retried one counts
// once — and the Prometheus series follows after commit. See docs/decisions/0036. Spend caps (0037)
// ride on the same two transactions: slots are reserved in the claim, given back and counted here.

import type { Defer, Trx } from '../platform/db.js';
import type { Validation } from '../validations/validation-types.js';
import { CHARGED_KINDS, classifyFinal, type FinalStep } from './usage-classify.js';
import type { QuotaGate, SlotRequest } from './quota-gate.js';
import { periodAt } from './usage-period.js';
import { addUsage, USAGE_SHARDS, type UsageDelta } from './usage-store.js';
import type { UsageMetrics } from './usage-metrics.js';

/** One validation made final by a group: the row as it was before, and the step that ended it. */
export interface FinalUsage {
  row: Validation;
  step: FinalStep;
}

export interface UsageMeter {
  /**
   * In the claim transaction, for live rows about to call a partner: spend-cap slots. Returns the rows
   * refused one, with how long each should wait; the others may call.
   */
  claim(trx: Trx, requests: readonly SlotRequest[], now: Date): Promise<Map<string, number>>;
  /** In the final transaction, after the rows are written; adds the Prometheus counts after commit. */
  final(trx: Trx, finals: readonly FinalUsage[], now: Date, defer: Defer): Promise<void>;
}

export interface UsageMeterDeps {
  /** USAGE_TIMEZONE as minutes east of UTC. */
  offsetMinutes: number;
  metrics: UsageMetrics;
  quota: QuotaGate;
}

export function createUsageMeter(deps: UsageMeterDeps): UsageMeter {
  return {
    claim: (trx, requests, now) => deps.quota.claim(trx, requests, now),
    async final(trx, finals, now, defer) {
      const counts = finals.map((f) => classifyFinal(f.row, f.step));
      // The quota row before usage_counters: the order every transaction locks them in.
      const charged = (i: number) => counts[i]!.filter((c) => CHARGED_KINDS.includes(c.kind)).length;
      await deps.quota.settle(trx, finals.map((f, i) => ({ row: f.row, counted: charged(i) })), now);
      const day = periodAt(now, deps.offsetMinutes).day;
      const deltas: UsageDelta[] = finals.flatMap(({ row }, i) =>
        counts[i]!.map((c) => ({ tenantId: row.tenantId, livemode: row.livemode, day, rail: row.rail, partner: c.partner, kind: c.kind, count: 1 })),
      );
      if (deltas.length === 0) return;
      // A shard per transaction: groups committing at once mostly write different rows.
      await addUsage(trx, deltas, Math.floor(Math.random() * USAGE_SHARDS), now);
      defer(async () => deps.metrics.add(deltas));
    },
  };
}
