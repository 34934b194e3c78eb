// The `tenant_quota` table: one row per capped tenant (docs/decisions/0037). Locked by primary key, in
// tenant order, inside the worker's claim and final transactions. Raw SQL, as on the rest of that path.

import type { Db, Trx } from '../platform/db.js';
import type { QuotaRow } from './spend-cap.js';

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
const COLUMNS = `tenant_id, DATE_FORMAT(day, '%Y-%m-%d') AS day, day_used, month, month_used, reserved, daily_cap, monthly_cap,
  DATE_FORMAT(reached_day, '%Y-%m-%d') AS reached_day, reached_month`;
/** A new row's periods are long past, so its first use reads its counts from usage_counters. */
const NEVER = { day: '1970-01-01', month: '1970-01' };

function toQuotaRow(r: Record<string, unknown>): QuotaRow {
  return {
    day: String(r.day),
    dayUsed: Number(r.day_used),
    month: String(r.month),
    monthUsed: Number(r.month_used),
    reserved: Number(r.reserved),
    dailyCap: Number(r.daily_cap),
    monthlyCap: Number(r.monthly_cap),
    reachedDay: (r.reached_day as string | null) ?? null,
    reachedMonth: (r.reached_month as string | null) ?? null,
  };
}

async function select(q: Db | Trx, tenantIds: readonly string[], lock: boolean): Promise<Map<string, QuotaRow>> {
  if (tenantIds.length === 0) return new Map();
  const [rows] = (await q.raw(
    `SELECT ${COLUMNS} FROM tenant_quota WHERE tenant_id IN (${marks(tenantIds.length)}) ORDER BY tenant_id${lock ? ' FOR UPDATE' : ''}`,
    [...tenantIds],
  )) as unknown as [Array<Record<string, unknown>>];
  return new Map(rows.map((r) => [String(r.tenant_id), toQuotaRow(r)]));
}

/** Locks the rows of `tenantIds` (sorted), creating the missing ones first. */
export async function lockQuotaRows(trx: Trx, tenantIds: readonly string[], now: Date): Promise<Map<string, QuotaRow>> {
  const sorted = [...new Set(tenantIds)].sort();
  const rows = await select(trx, sorted, true);
  const missing = sorted.filter((id) => !rows.has(id));
  if (missing.length === 0) return rows;
  await trx.raw(
    `INSERT INTO tenant_quota (tenant_id, day, day_used, month, month_used, reserved, daily_cap, monthly_cap, updated_at)
     VALUES ${missing.map(() => '(?, ?, 0, ?, 0, 0, 0, 0, ?)').join(', ')} ON DUPLICATE KEY UPDATE tenant_id = tenant_id`,
    missing.flatMap((id) => [id, NEVER.day, NEVER.month, now]),
  );
  for (const [id, row] of await select(trx, missing, true)) rows.set(id, row);
  return rows;
}

export async function saveQuotaRow(trx: Trx, tenantId: string, row: QuotaRow, now: Date): Promise<void> {
  await trx.raw(
    `UPDATE tenant_quota SET day = ?, day_used = ?, month = ?, month_used = ?, reserved = ?, daily_cap = ?, monthly_cap = ?,
       reached_day = ?, reached_month = ?, updated_at = ? WHERE tenant_id = ?`,
    [row.day, row.dayUsed, row.month, row.monthUsed, row.reserved, row.dailyCap, row.monthlyCap, row.reachedDay, row.reachedMonth, now, tenantId],
  );
}

/** Gives back slots without touching the counts (a tenant no longer capped). */
export async function releaseQuotaSlots(trx: Trx, tenantId: string, slots: number, now: Date): Promise<void> {
  await trx.raw('UPDATE tenant_quota SET reserved = GREATEST(reserved, ?) - ?, updated_at = ? WHERE tenant_id = ?', [slots, slots, now, tenantId]);
}

/** A plain read (the API's view of a quota, cached briefly). */
export async function readQuotaRow(db: Db, tenantId: string): Promise<QuotaRow | null> {
  return (await select(db, [tenantId], false)).get(tenantId) ?? null;
}
