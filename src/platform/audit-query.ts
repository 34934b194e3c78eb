// Reading a tenant's audit log, newest first, a page at a time. The table's one index for this is
// (tenant_id, id): pages are keyset ranges on it, a date range becomes an id range found by bisecting
// it, and the action / actor filters look at a bounded stretch of rows per page (SCAN_WINDOW) so a
// rare action never turns one page into a scan of the tenant's whole history.
import type { Db } from './db.js';
import { AppError } from './app-error.js';

export interface AuditRecord {
  id: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  requestId: string | null;
  /** As stored: JSON text of ids, counts and codes (never a secret). */
  details: string | null;
  createdAt: Date;
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  /** Inclusive UTC days, `YYYY-MM-DD`. */
  from?: string;
  to?: string;
}

export interface AuditPage {
  entries: AuditRecord[];
  /** Ids below this are older: the next page's cursor, or null at the end. */
  next: string | null;
  /** True when this page stopped at the scan window rather than at `limit` matches. */
  partial: boolean;
}

/** Rows a filtered page looks at before it stops and offers "Older" to look further. */
export const SCAN_WINDOW = 5000;

/** `(tenant_id, id)`, as migrations/20261121000001_foundation.ts names it. */
const TENANT_ID_INDEX = 'audit_log_tenant_id_id_index';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const CURSOR = /^[1-9]\d{0,18}$/;

const invalid = (message: string, field: string) => new AppError('console.invalid_input', message, { details: { field } });

/** The start of a UTC day, or an error naming the field. */
export function parseDay(value: string, name: string): Date {
  const m = DAY.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || d.toISOString().slice(0, 10) !== value) throw invalid(`The ${name} date must be a day as YYYY-MM-DD.`, name);
  return d;
}

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const toRecord = (r: Row): AuditRecord => ({
  id: String(r.id),
  actor: r.actor,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  requestId: r.request_id,
  details: r.details === null || r.details === undefined ? null : typeof r.details === 'string' ? r.details : JSON.stringify(r.details),
  createdAt: r.created_at,
});

/**
 * The tenant's highest id written before `at` (0 if none), by bisecting the (tenant_id, id) index:
 * at most ~64 seeks. Ids and created_at rise together (both are taken at insert); entries written
 * within a few milliseconds of a day boundary by concurrent requests may land on either side.
 */
async function lastIdBefore(db: Db, tenantId: string, at: Date): Promise<bigint> {
  const before = (r: Row) => new Date(r.created_at).getTime() < at.getTime();
  const last = (await db('audit_log').where({ tenant_id: tenantId }).orderBy('id', 'desc').first('id', 'created_at')) as Row | undefined;
  if (!last) return 0n;
  if (before(last)) return BigInt(last.id);
  // The answer is in [lo, hi): lo is 0 or an id written before `at`; every id >= hi was written after.
  let lo = 0n;
  let hi = BigInt(last.id);
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    const r = (await db('audit_log').where({ tenant_id: tenantId }).where('id', '>=', mid.toString()).orderBy('id').first('id', 'created_at')) as Row;
    if (BigInt(r.id) < hi && before(r)) lo = BigInt(r.id);
    else hi = mid; // nothing in [mid, r.id), and r.id onwards are after `at`
  }
  return lo;
}

/**
 * A filter's dates as bounds on the tenant's (tenant_id, id) index, found once (bisection) and reused by
 * every page of a walk through the log.
 */
export interface AuditRange {
  /** Exclusive; null when the range is open above. */
  upper: bigint | null;
  /** Inclusive; null when the range is open below. */
  lower: bigint | null;
  from: Date | null;
  toEnd: Date | null;
}

/** The filter's days, checked: `from` at 00:00 UTC, `toEnd` at the end of the `to` day (exclusive). */
export function auditDays(filter: AuditFilter): { from: Date | null; toEnd: Date | null } {
  const from = filter.from ? parseDay(filter.from, 'from') : null;
  const toEnd = filter.to ? new Date(parseDay(filter.to, 'to').getTime() + 86_400_000) : null;
  if (from && toEnd && from >= toEnd) throw invalid('The from date must not be after the to date.', 'from');
  return { from, toEnd };
}

export async function auditRange(db: Db, tenantId: string, filter: AuditFilter): Promise<AuditRange> {
  const { from, toEnd } = auditDays(filter);
  const upper = toEnd ? (await lastIdBefore(db, tenantId, toEnd)) + 1n : null;
  const lower = from ? (await lastIdBefore(db, tenantId, from)) + 1n : null;
  return { upper, lower, from, toEnd };
}

/** One page of `tenantId`'s audit log, newest first, strictly older than `cursor` when given. */
export async function queryAudit(db: Db, tenantId: string, filter: AuditFilter, cursor: string, limit: number): Promise<AuditPage> {
  if (cursor && !CURSOR.test(cursor)) throw new AppError('pagination.invalid_cursor', 'That page link is not valid; start again from the newest entries.');
  return readAuditPage(db, tenantId, filter, await auditRange(db, tenantId, filter), cursor ? BigInt(cursor) : null, limit);
}

/** One page within `range`, strictly below `before` when given. Only ever this tenant's entries. */
export async function readAuditPage(db: Db, tenantId: string, filter: AuditFilter, range: AuditRange, before: bigint | null, limit: number): Promise<AuditPage> {
  const { lower, from, toEnd } = range;
  const upper = before !== null && (range.upper === null || before < range.upper) ? before : range.upper; // exclusive
  if (upper !== null && lower !== null && upper <= lower) return { entries: [], next: null, partial: false };

  // FORCE INDEX: for `id < cursor ORDER BY id DESC LIMIT n`, MariaDB 10.11 otherwise takes a `ref` on
  // tenant_id alone and reads every newer entry of the tenant before reaching the cursor (a page deep in
  // the log cost ~1 ms per 1,000 newer entries), and for a filtered stretch it may range-scan the primary
  // key across every tenant's entries. The hint keeps each page one range of this tenant's index.
  const stretch = () => {
    const q = db.from(db.raw('?? FORCE INDEX (??)', ['audit_log', TENANT_ID_INDEX])).where({ tenant_id: tenantId });
    if (upper !== null) q.where('id', '<', upper.toString());
    if (lower !== null) q.where('id', '>=', lower.toString());
    return q;
  };
  const filtered = Boolean(filter.action || filter.actor || from || toEnd);
  // A filtered page reads at most SCAN_WINDOW index entries: find where that stretch ends.
  const floorRow = filtered ? ((await stretch().orderBy('id', 'desc').offset(SCAN_WINDOW - 1).first('id')) as Row | undefined) : undefined;
  const q = stretch();
  if (floorRow) q.where('id', '>=', String(floorRow.id));
  if (filter.action) q.where('action', filter.action);
  if (filter.actor) q.where('actor', filter.actor);
  // The id range is the date range as the bisection found it; the dates themselves keep the page exact.
  if (from) q.where('created_at', '>=', from);
  if (toEnd) q.where('created_at', '<', toEnd);
  const rows = (await q.orderBy('id', 'desc').limit(limit + 1).select('id', 'actor', 'action', 'target_type', 'target_id', 'request_id', 'details', 'created_at')) as Row[];
  const entries = rows.slice(0, limit).map(toRecord);
  if (rows.length > limit) return { entries, next: entries[entries.length - 1]!.id, partial: false };
  if (floorRow && BigInt(floorRow.id) > (lower ?? 0n)) return { entries, next: String(floorRow.id), partial: true };
  return { entries, next: null, partial: false };
}
