// Seeding for `npm run bench:console-search`: a tenant's validations, batches (with their counter
// shards) and audit log, set-based (INSERT … SELECT from a numbers table, ~50,000 rows a statement), so
// a million rows take a minute or two instead of an hour of single INSERTs. Portable across MariaDB
// 10.11 and MySQL 8: no recursive CTE (both cap recursion at 1,000 by default), no sequence engine.
//
// Every value is derived from the row number n through CRC32/MD5/SHA2, so a run is reproducible.
// Ids are real ULIDs: `val_` + 10 Crockford base32 chars of the creation time in ms (what `idAtTime`
// bounds) + 16 chars of hash, strictly increasing with n; created_at is that same instant.
import type { Db } from '../src/platform/db.js';

export const SPAN_DAYS = 90;
const DAY_MS = 86_400_000;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CHUNK = 50_000;

/** last4 values are drawn from 0000–9899: 9900–9999 never occur (the "no such last4" searches). */
export const LAST4_VALUES = 9900;
/** An action the audit log holds a handful of times (the "rare action" filter). */
export const RARE_ACTION = 'user.role_changed';

/** SQL for the 26-char ULID body of the ms timestamp `t` (a SQL expression) with 16 chars of `MD5(salt)`. */
const ulid = (t: string, salt: string) =>
  `CONCAT(${Array.from({ length: 10 }, (_, i) => `SUBSTRING('${CROCKFORD}', ((${t}) >> ${45 - 5 * i} & 31) + 1, 1)`).join(', ')}, UPPER(LEFT(MD5(${salt}), 16)))`;
/** A DATETIME(3) for ms since the epoch, whatever the session time zone. */
const at = (ms: string) => `TIMESTAMPADD(MICROSECOND, (${ms}) * 1000, '1970-01-01 00:00:00')`;
const h = (salt: string, n = 'n') => `CRC32(CONCAT('${salt}', ${n}))`;

export interface SeedPlan {
  tenantId: string;
  otherTenantId: string;
  rows: number;
  otherRows: number;
  batches: number;
  auditRows: number;
  /** The newest row's time (ms); rows spread over SPAN_DAYS before it. */
  endMs: number;
  /** Every validation and batch final (old data, as a purge finds it); otherwise the newest are still queued / processing. */
  finalOnly?: boolean;
  /**
   * The VPA, names and metadata as rows have stored them since decision 0039: ciphertext-shaped strings
   * of their real length in the `*_ciphertext` columns, plaintext columns NULL.
   */
  sealed?: boolean;
}

/** A string shaped and sized like a field ciphertext (`v1.<key>.<iv>.<ct>.<tag>`) of a short value, distinct per row. */
const sealedLike = (salt: string, parts = 1) =>
  `CONCAT('v1.k1.', LEFT(TO_BASE64(UNHEX(SHA2(CONCAT('${salt}i', n), 256))), 16), ${Array.from({ length: parts }, (_, i) => `'.', TO_BASE64(UNHEX(SHA2(CONCAT('${salt}${i}', n), 256)))`).join(', ')}, '.', LEFT(TO_BASE64(UNHEX(SHA2(CONCAT('${salt}t', n), 256))), 22))`;

export interface SeedProgress { (label: string, done: number, total: number): void }

async function withNumbers(db: Db, work: () => Promise<void>): Promise<void> {
  await db.raw('CREATE TABLE bench_numbers (k INT UNSIGNED NOT NULL PRIMARY KEY) ENGINE=InnoDB');
  const digits = 'SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9';
  const from = ['a', 'b', 'c', 'd', 'e'].map((x) => `(${digits}) ${x}`).join(' CROSS JOIN ');
  await db.raw(`INSERT INTO bench_numbers (k) SELECT a.d + 10 * b.d + 100 * c.d + 1000 * d.d + 10000 * e.d FROM ${from}`);
  try {
    await work();
  } finally {
    await db.raw('DROP TABLE IF EXISTS bench_numbers');
  }
}

/** Rows [from, to) of `total` for one tenant: one INSERT … SELECT. */
function validationsSql(tenantId: string, from: number, to: number, total: number, batches: number, p: SeedPlan): string {
  const step = Math.max(1, Math.floor((SPAN_DAYS * DAY_MS) / total));
  const start = p.endMs - step * total;
  const t = `${start} + n * ${step} + ${h('t')} % ${step}`;
  const perBatch = Math.max(1, Math.ceil(total / Math.max(1, batches)));
  const b = `FLOOR(n / ${perBatch})`;
  const batchLive = `(${b} % 10 = 0)`;
  const live = `(${h('m')} % 10 = 0)`;
  const vpa = `(${h('y')} % 5 = 0)`;
  // Newest rows are still queued (unless finalOnly); older ones ~92 % completed, ~8 % failed.
  const queued = p.finalOnly ? total : total - Math.ceil(total / 500);
  const status = `IF(n >= ${queued}, 'queued', IF(${h('s')} % 100 < 8, 'failed', 'completed'))`;
  const done = `${at(`${t} + 900 + ${h('d')} % 4000`)}`;
  const names = "'Asha Verma', 'Rahul Nair', 'Priya Sharma', 'Vikram Singh', 'Meera Iyer', 'Arjun Rao', 'Kavita Patel', 'Sanjay Gupta'";
  const banks = [['HDFC0001234', 'HDFC Bank'], ['ICIC0000456', 'ICICI Bank'], ['SBIN0001234', 'State Bank of India'], ['UTIB0000123', 'Axis Bank'], ['KKBK0000958', 'Kotak Mahindra Bank']];
  const bank = `${h('i')} % ${banks.length} + 1`;
  const cols = {
    id: `CONCAT('val_', ${ulid(t, `CONCAT('${tenantId}', n)`)})`,
    tenant_id: `'${tenantId}'`,
    livemode: `${live}`,
    type: `IF(${vpa}, 'vpa', 'bank_account')`,
    rail: `IF(${vpa}, 'UPI', IF(${h('r')} % 2 = 0, 'IMPS', 'NEFT'))`,
    status: 'st',
    account_ciphertext: `IF(${vpa}, NULL, CONCAT('k1.', TO_BASE64(UNHEX(SHA2(CONCAT('c', n), 256)))))`,
    account_blind_index: `SHA2(CONCAT('${tenantId}', n), 256)`,
    account_last4: `IF(${vpa}, NULL, LPAD(${h('l')} % ${LAST4_VALUES}, 4, '0'))`,
    ifsc: `IF(${vpa}, NULL, ELT(${bank}, ${banks.map((x) => `'${x[0]}'`).join(', ')}))`,
    bank_name: `IF(${vpa}, NULL, ELT(${bank}, ${banks.map((x) => `'${x[1]}'`).join(', ')}))`,
    vpa: `IF(${vpa}, CONCAT('payee', n, '@okaxis'), NULL)`,
    expected_name: `ELT(${h('e')} % 8 + 1, ${names})`,
    reference_id: `IF(${h('f')} % 10 < 7, CONCAT('INV-', LPAD(n, 9, '0')), NULL)`,
    account_status: `IF(st = 'completed', IF(${h('a')} % 100 < 94, 'valid', 'invalid'), NULL)`,
    status_reason: `IF(st = 'completed' AND ${h('a')} % 100 >= 94, 'account_not_found', NULL)`,
    registered_name: `IF(st = 'completed', UPPER(ELT(${h('e')} % 8 + 1, ${names})), NULL)`,
    name_match_score: `IF(st = 'completed', 60 + ${h('k')} % 41, NULL)`,
    name_match_result: `IF(st = 'completed', ELT(${h('k')} % 4 + 1, 'match', 'match', 'close_match', 'no_match'), NULL)`,
    name_match_reasons: `IF(st = 'completed', '[]', NULL)`,
    partner: `IF(st = 'queued', NULL, 'sandbox')`,
    partner_reference: `IF(st = 'completed', CONCAT('sbx_', n), NULL)`,
    failure_code: `IF(st = 'failed', 'partner.unavailable', NULL)`,
    failure_message: `IF(st = 'failed', 'No partner could answer; try again later.', NULL)`,
    attempts: `IF(st = 'queued', 0, IF(st = 'failed', 3, 1))`,
    cached: '0',
    verified_at: `IF(st = 'completed', ${done}, NULL)`,
    created_at: at(t),
    updated_at: `IF(st = 'queued', ${at(t)}, ${done})`,
    completed_at: `IF(st = 'queued', NULL, ${done})`,
    // ~30 % of rows came in a batch of the same mode (batch b covers rows [b × perBatch, (b + 1) × perBatch)).
    batch_id: batches > 0 ? `IF(${h('b')} % 10 < 3 AND ${live} = ${batchLive}, CONCAT('bat_', ${ulid(`${start} + ${b} * ${perBatch} * ${step}`, `CONCAT('b', ${b})`)}), NULL)` : 'NULL',
    batch_row_count: '1',
  };
  if (p.sealed) {
    Object.assign(cols, {
      vpa: 'NULL',
      expected_name: 'NULL',
      registered_name: 'NULL',
      vpa_ciphertext: `IF(${vpa}, ${sealedLike('v')}, NULL)`,
      expected_name_ciphertext: sealedLike('e'),
      registered_name_ciphertext: `IF(st = 'completed', ${sealedLike('r')}, NULL)`,
      metadata_ciphertext: `IF(${h('f')} % 10 < 3, ${sealedLike('m', 3)}, NULL)`,
    });
  }
  return `INSERT INTO validations (${Object.keys(cols).join(', ')})
    SELECT ${Object.values(cols).join(', ')} FROM (SELECT n, ${status} AS st FROM (SELECT k + ${from} AS n FROM bench_numbers WHERE k < ${to - from}) y) x`;
}

function batchesSql(p: SeedPlan): string[] {
  const step = Math.max(1, Math.floor((SPAN_DAYS * DAY_MS) / p.rows));
  const start = p.endMs - step * p.rows;
  const perBatch = Math.max(1, Math.ceil(p.rows / p.batches));
  const t = `${start} + b * ${perBatch} * ${step}`;
  const size = Math.max(1, Math.round(perBatch * 0.3));
  const running = `b >= ${p.finalOnly ? p.batches : p.batches - 3}`;
  const batch = `INSERT INTO batches (id, tenant_id, livemode, status, source, reference_id, total_rows, rejected_rows, accepted_rows, unique_validations, skipped_rows, feed_done_at, created_at, updated_at, completed_at)
    SELECT CONCAT('bat_', ${ulid(t, "CONCAT('b', b)")}), '${p.tenantId}', b % 10 = 0, IF(${running}, 'processing', 'completed'), IF(b % 4 = 0, 'json', 'csv'),
      CONCAT('upload-', b), ${size} + b % 3, b % 3, ${size}, ${size}, 0, ${at(`${t} + 2000`)}, ${at(t)}, ${at(`${t} + 60000`)}, IF(${running}, NULL, ${at(`${t} + 60000`)})
    FROM (SELECT k AS b FROM bench_numbers WHERE k < ${p.batches}) x`;
  // Counts on shard 0 (as the counter-shards migration leaves a finished batch); every shard row exists.
  const shards = `INSERT INTO batch_counter_shards (batch_id, shard, expected, queued, processing, completed, failed, updated_at)
    SELECT b.id, s.k, IF(s.k = 0, b.accepted_rows, 0), 0, 0, IF(s.k = 0, b.accepted_rows - b.accepted_rows DIV 12, 0), IF(s.k = 0, b.accepted_rows DIV 12, 0), b.updated_at
    FROM batches b CROSS JOIN bench_numbers s WHERE s.k < 16 AND b.tenant_id = '${p.tenantId}'`;
  return [batch, shards];
}

function auditSql(tenantId: string, from: number, to: number, total: number, endMs: number): string {
  const step = Math.max(1, Math.floor((SPAN_DAYS * DAY_MS) / total));
  const t = `${endMs - step * total} + n * ${step}`;
  const common = ["'batch.created'", "'user.signed_in'", "'api_key.created'", "'webhook_endpoint.updated'", "'settings.updated'", "'validation.created'"];
  // Mostly validations and batches; the rare action about once per 10,000 entries.
  const action = `IF(${h('q')} % 10000 = 0, '${RARE_ACTION}', ELT(LEAST(${h('w')} % 20, 5) + 1, ${common.join(', ')}))`;
  return `INSERT INTO audit_log (tenant_id, actor, action, target_type, target_id, request_id, details, created_at)
    SELECT '${tenantId}', IF(${h('w')} % 20 < 2, CONCAT('user:usr_', LPAD(n % 7, 4, '0')), CONCAT('api_key:key_', n % 3)), ${action}, 'validation',
      CONCAT('val_', UPPER(LEFT(MD5(n), 26))), CONCAT('req_', LEFT(MD5(CONCAT('r', n)), 20)), '{"mode":"test"}', ${at(t)}
    FROM (SELECT k + ${from} AS n FROM bench_numbers WHERE k < ${to - from}) x`;
}

/** Seeds everything in `p` into `db` (already migrated, tenants created). */
export async function seed(db: Db, p: SeedPlan, progress: SeedProgress): Promise<void> {
  await withNumbers(db, async () => {
    for (let from = 0; from < p.rows; from += CHUNK) {
      await db.raw(validationsSql(p.tenantId, from, Math.min(p.rows, from + CHUNK), p.rows, p.batches, p));
      progress('validations', Math.min(p.rows, from + CHUNK), p.rows);
    }
    if (p.otherRows > 0) await db.raw(validationsSql(p.otherTenantId, 0, p.otherRows, p.otherRows, 0, p));
    if (p.batches > 0) for (const sql of batchesSql(p)) await db.raw(sql);
    progress('batches', p.batches, p.batches);
    for (let from = 0; from < p.auditRows; from += CHUNK) {
      await db.raw(auditSql(p.tenantId, from, Math.min(p.auditRows, from + CHUNK), p.auditRows, p.endMs));
      progress('audit_log', Math.min(p.auditRows, from + CHUNK), p.auditRows);
    }
    await db.raw(auditSql(p.otherTenantId, 0, 300, 300, p.endMs));
  });
  for (const table of ['validations', 'batches', 'batch_counter_shards', 'audit_log']) await db.raw(`ANALYZE TABLE ${table}`);
}

/** The JS encoding of a time, to check the SQL one against `idAtTime`'s. */
export function timePrefix(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) out += CROCKFORD[Math.floor(ms / 2 ** (45 - 5 * i)) % 32];
  return out;
}
