// The `usage_counters` table: counts per tenant, mode, local day, rail, partner and kind, each on 16
// shard rows (docs/decisions/0036). Writers add to one shard per transaction; readers sum them.
// Raw SQL on the write path, as in validation-group-store.ts.

import type { Db, Trx } from '../platform/db.js';
import type { ModeScope } from '../platform/mode-scope.js';
import { CHARGED_KINDS, USAGE_KINDS, type UsageKind } from './usage-classify.js';

export const USAGE_SHARDS = 16;

export interface UsageDelta {
  tenantId: string;
  livemode: boolean;
  /** `YYYY-MM-DD` at USAGE_TIMEZONE. */
  day: string;
  rail: string;
  partner: string;
  kind: UsageKind;
  count: number;
}

const keyOf = (d: UsageDelta): string => [d.tenantId, d.livemode ? 1 : 0, d.day, d.rail, d.partner, d.kind].join('\u0000');

/** Deltas with the same key added together, in key order (the order every writer locks rows in). */
export function netDeltas(deltas: readonly UsageDelta[]): UsageDelta[] {
  const net = new Map<string, UsageDelta>();
  for (const d of deltas) {
    const k = keyOf(d);
    const seen = net.get(k);
    if (seen) seen.count += d.count;
    else net.set(k, { ...d });
  }
  return [...net.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
}

/**
 * Adds `deltas` on `shard` in one statement, rows in key order so concurrent groups take their
 * locks in the same order. `VALUES()` works on MySQL 8 and MariaDB (MySQL warns it is deprecated).
 */
export async function addUsage(trx: Trx, deltas: readonly UsageDelta[], shard: number, now: Date): Promise<void> {
  const rows = netDeltas(deltas).filter((d) => d.count > 0);
  if (rows.length === 0) return;
  await trx.raw(
    `INSERT INTO usage_counters (tenant_id, livemode, day, rail, partner, kind, shard, count, updated_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
     ON DUPLICATE KEY UPDATE count = count + VALUES(count), updated_at = VALUES(updated_at)`,
    rows.flatMap((d) => [d.tenantId, d.livemode, d.day, d.rail, d.partner, d.kind, shard, d.count, now]),
  );
}

export type UsageGroup = 'day' | 'rail' | 'partner';
export type UsageCounts = Record<UsageKind, number>;
export interface UsageLine {
  day?: string;
  rail?: string;
  partner?: string;
  counts: UsageCounts;
}

export const zeroCounts = (): UsageCounts => Object.fromEntries(USAGE_KINDS.map((k) => [k, 0])) as UsageCounts;

const GROUP_COLUMNS: Record<UsageGroup, string> = { day: "DATE_FORMAT(day, '%Y-%m-%d')", rail: 'rail', partner: 'partner' };

/**
 * One mode's counts between two local days (both included), summed over shards and grouped by
 * `groupBy` (in that order; none: one line), lines in group order. A range read on the primary key.
 */
export async function sumUsage(db: Db, scope: ModeScope, from: string, to: string, groupBy: readonly UsageGroup[]): Promise<UsageLine[]> {
  const columns = groupBy.map((g) => `${GROUP_COLUMNS[g]} AS ${g}`);
  const [rows] = (await db.raw(
    `SELECT ${[...columns, 'kind', 'SUM(count) AS n'].join(', ')} FROM usage_counters
     WHERE tenant_id = ? AND livemode = ? AND day BETWEEN ? AND ?
     GROUP BY ${[...groupBy, 'kind'].join(', ')} ORDER BY ${[...groupBy, 'kind'].join(', ')}`,
    [scope.tenantId, scope.livemode, from, to],
  )) as unknown as [Array<Record<string, unknown>>];
  const lines = new Map<string, UsageLine>();
  for (const r of rows) {
    const key = groupBy.map((g) => String(r[g])).join('\u0000');
    let line = lines.get(key);
    if (!line) {
      line = { ...Object.fromEntries(groupBy.map((g) => [g, String(r[g])])), counts: zeroCounts() };
      lines.set(key, line);
    }
    const kind = r.kind as UsageKind;
    if (kind in line.counts) line.counts[kind] += Number(r.n);
  }
  return [...lines.values()];
}

/**
 * Live calls that may be charged (billable + possibly billed) between two local days. `lock` reads
 * the latest committed counts and share-locks them (a spend cap's quota row is being synced).
 */
export async function chargedBetween(q: Db | Trx, tenantId: string, from: string, to: string, lock: boolean): Promise<number> {
  const [rows] = (await q.raw(
    `SELECT COALESCE(SUM(count), 0) AS n FROM usage_counters
     WHERE tenant_id = ? AND livemode = 1 AND day BETWEEN ? AND ? AND kind IN (${CHARGED_KINDS.map(() => '?').join(', ')})${lock ? ' LOCK IN SHARE MODE' : ''}`,
    [tenantId, from, to, ...CHARGED_KINDS],
  )) as unknown as [Array<{ n: unknown }>];
  return Number(rows[0]?.n ?? 0);
}
