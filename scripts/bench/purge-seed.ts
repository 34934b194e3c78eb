// Seeding for `npm run bench:purge`: a tenant's backlog of old, final validations as a purge finds it.
// The validations and batches come from console-search-seed.ts (set-based, ~50,000 rows a statement,
// ids that encode their creation time); on top of them, set-based too, what else a purge rewrites:
// - a reuse pointer (`partner_answers`) for every completed validation (every payee is distinct);
// - a webhook event for one single validation in five, and one `batch.completed` per batch, each with
//   its delivery and one attempt whose stored answer the purge nulls;
// - every batch's rows (`batch_rows`, with the client's reference), and its metadata.
// Portable across MariaDB 10.11 and MySQL 8 (window functions and JSON_OBJECT exist in both).
import type { Db } from '../../src/platform/db.js';
import { seed, type SeedProgress } from '../console-search-seed.js';

const CHUNK = 50_000;
const BATCH_CHUNK = 200;
export const RECEIVER_URL = 'https://hooks.bench.example/payval';

export interface PurgeSeedPlan { tenantId: string; otherTenantId: string; rows: number; endMs: number }

/**
 * A validation's event body, shaped like the real one (validation-view.ts), with its personal fields
 * (the validations' own are sealed, so stand-ins of the same length), stored sealed as since decision 0039.
 */
const validationPayload = `CONCAT('v1.k1.', REPLACE(TO_BASE64(JSON_OBJECT('type', CONCAT('validation.', status), 'timestamp', DATE_FORMAT(completed_at, '%Y-%m-%dT%H:%i:%s.000Z'),
  'data', JSON_OBJECT('id', id, 'object', 'validation', 'livemode', livemode, 'status', status, 'type', type, 'rail', rail,
    'name', 'Asha Verma', 'vpa', IF(type = 'vpa', CONCAT('payee', RIGHT(id, 8), '@okaxis'), NULL), 'reference_id', reference_id, 'metadata', JSON_OBJECT('employee', CONCAT('EMP-', RIGHT(id, 6))),
    'bank_account', IF(type = 'vpa', NULL, JSON_OBJECT('masked_account_number', CONCAT('XXXXXX', account_last4), 'ifsc', ifsc, 'bank_name', bank_name)),
    'result', JSON_OBJECT('account_status', account_status, 'registered_name', IF(status = 'completed', 'ASHA VERMA', NULL), 'name_match', JSON_OBJECT('score', name_match_score, 'result', name_match_result)),
    'failure', IF(status = 'failed', JSON_OBJECT('code', failure_code, 'message', failure_message), NULL),
    'partner', partner, 'created_at', DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.000Z'), 'completed_at', DATE_FORMAT(completed_at, '%Y-%m-%dT%H:%i:%s.000Z')))), '\\n', ''))`;

const batchPayload = `JSON_OBJECT('type', 'batch.completed', 'timestamp', DATE_FORMAT(completed_at, '%Y-%m-%dT%H:%i:%s.000Z'),
  'data', JSON_OBJECT('id', id, 'object', 'batch', 'livemode', livemode, 'status', status, 'reference_id', reference_id, 'metadata', metadata,
    'counts', JSON_OBJECT('total', total_rows, 'rejected', rejected_rows, 'accepted', accepted_rows)))`;

/** The old tenant's validation ids cut into ranges (lo, hi] of CHUNK rows. */
async function idRanges(db: Db, tenantId: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (let lo = ''; ;) {
    const [rows] = (await db.raw('SELECT id FROM validations WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT 1 OFFSET ?', [tenantId, lo, CHUNK - 1])) as [Array<{ id: string }>];
    const hi = rows[0]?.id ?? '~';
    out.push([lo, hi]);
    if (!rows[0]) return out;
    lo = hi;
  }
}

/** Validations, batches and everything a purge rewrites, for `p.tenantId`; all final, all created before `p.endMs`. */
export async function seedPurgeBacklog(db: Db, p: PurgeSeedPlan, progress: SeedProgress): Promise<void> {
  const batches = Math.max(1, Math.round(p.rows / 500));
  await seed(db, { tenantId: p.tenantId, otherTenantId: p.otherTenantId, rows: p.rows, otherRows: 0, batches, auditRows: Math.round(p.rows / 100), endMs: p.endMs, finalOnly: true, sealed: true }, progress);
  const t = p.tenantId;
  await db.raw(`UPDATE batches SET metadata = JSON_OBJECT('note', CONCAT('payroll run ', reference_id)) WHERE tenant_id = ?`, [t]);
  for (const live of [0, 1]) {
    await db.raw(
      `INSERT INTO webhook_endpoints (id, tenant_id, livemode, url, events, enabled, secret_ciphertext, created_at, updated_at)
       VALUES (?, ?, ?, ?, '["validation.completed","validation.failed","batch.completed"]', 1, 'bench: never used to sign', NOW(3), NOW(3))`,
      [`we_benchpurge${live ? 'live' : 'test'}`, t, live, RECEIVER_URL],
    );
  }

  const ranges = await idRanges(db, t);
  let done = 0;
  for (const [lo, hi] of ranges) {
    const range = 'tenant_id = ? AND id > ? AND id <= ?';
    await db.raw(`INSERT INTO partner_answers (account_blind_index, livemode, tenant_id, validation_id, verified_at)
      SELECT account_blind_index, livemode, tenant_id, id, verified_at FROM validations WHERE ${range} AND status = 'completed'`, [t, lo, hi]);
    await db.raw(`INSERT INTO webhook_events (id, tenant_id, livemode, type, object_id, payload, created_at)
      SELECT CONCAT('evt_', SUBSTRING(id, 5)), tenant_id, livemode, CONCAT('validation.', status), id, ${validationPayload}, completed_at
      FROM validations WHERE ${range} AND batch_id IS NULL AND CRC32(id) % 5 = 0`, [t, lo, hi]);
    // The last range may be empty (the rows were a multiple of CHUNK).
    if (done < p.rows) progress('reuse pointers and events', (done = Math.min(p.rows, done + CHUNK)), p.rows);
  }
  await db.raw(`INSERT INTO webhook_events (id, tenant_id, livemode, type, object_id, payload, created_at)
    SELECT CONCAT('evt_', SUBSTRING(id, 5)), tenant_id, livemode, 'batch.completed', id, ${batchPayload}, completed_at FROM batches WHERE tenant_id = ?`, [t]);
  await db.raw(`INSERT INTO webhook_deliveries (id, tenant_id, livemode, event_id, event_type, endpoint_id, status, attempts, round_attempts, round_trigger,
      last_attempt_at, last_status_code, created_at, updated_at, completed_at)
    SELECT CONCAT('whd_', SUBSTRING(id, 5)), tenant_id, livemode, id, type, IF(livemode, 'we_benchpurgelive', 'we_benchpurgetest'), 'succeeded', 1, 1, 'event',
      created_at, 200, created_at, created_at, created_at FROM webhook_events WHERE tenant_id = ?`, [t]);
  // The receiver's stored answer echoes the payee's name, as a careless receiver does.
  await db.raw(`INSERT INTO webhook_attempts (delivery_id, attempt_number, \`trigger\`, url, started_at, latency_ms, status_code, response_body)
    SELECT d.id, 1, 'event', ?, d.created_at, 40 + CRC32(d.id) % 200, 200,
      CONCAT('{"received":true,"event":"', d.event_id, '","name":"Asha Verma"}')
    FROM webhook_deliveries d WHERE d.tenant_id = ?`, [RECEIVER_URL, t]);
  progress('webhook deliveries and attempts', 1, 1);

  // Each batch's rows, numbered from 1 in id order (a batch's validations are contiguous in id).
  const ids = (await db('batches').where({ tenant_id: t }).orderBy('id').pluck('id')) as string[];
  for (let i = 0; i < ids.length; i += BATCH_CHUNK) {
    const to = ids[i + BATCH_CHUNK] ?? '~';
    await db.raw(`INSERT INTO batch_rows (batch_id, \`row_number\`, validation_id, reference_id, rejected)
      SELECT batch_id, ROW_NUMBER() OVER (PARTITION BY batch_id ORDER BY id), id, reference_id, 0
      FROM validations WHERE batch_id >= ? AND batch_id < ?`, [ids[i]!, to]);
    progress('batch rows', Math.min(ids.length, i + BATCH_CHUNK), ids.length);
  }
  for (const table of ['partner_answers', 'webhook_events', 'webhook_deliveries', 'webhook_attempts', 'batch_rows']) await db.raw(`ANALYZE TABLE ${table}`);
}

const counter = (db: Db, tenantId: string) => async (sql: string): Promise<number> =>
  Number(((await db.raw(sql, [tenantId])) as [Array<{ n: number | string }>])[0][0]!.n);

/** What the seed left for the purge: rows per table. */
export async function backlogCounts(db: Db, tenantId: string): Promise<Record<string, number>> {
  const count = counter(db, tenantId);
  return {
    validations: await count('SELECT COUNT(*) AS n FROM validations WHERE tenant_id = ?'),
    batches: await count('SELECT COUNT(*) AS n FROM batches WHERE tenant_id = ?'),
    batch_rows: await count('SELECT COUNT(*) AS n FROM batch_rows r JOIN batches b ON b.id = r.batch_id WHERE b.tenant_id = ?'),
    webhook_events: await count('SELECT COUNT(*) AS n FROM webhook_events WHERE tenant_id = ?'),
    partner_answers: await count('SELECT COUNT(*) AS n FROM partner_answers WHERE tenant_id = ?'),
  };
}

/** What is left unpurged of `tenantId`'s data (all zero after a complete purge of it). */
export async function unpurgedCounts(db: Db, tenantId: string): Promise<Record<string, number>> {
  const count = counter(db, tenantId);
  return {
    validations: await count('SELECT COUNT(*) AS n FROM validations WHERE tenant_id = ? AND purged_at IS NULL'),
    batches: await count('SELECT COUNT(*) AS n FROM batches WHERE tenant_id = ? AND purged_at IS NULL'),
    batch_rows: await count('SELECT COUNT(*) AS n FROM batch_rows r JOIN batches b ON b.id = r.batch_id WHERE b.tenant_id = ? AND r.reference_id IS NOT NULL'),
    webhook_events: await count('SELECT COUNT(*) AS n FROM webhook_events WHERE tenant_id = ? AND purged_at IS NULL'),
    webhook_attempts: await count('SELECT COUNT(*) AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.tenant_id = ? AND a.response_body IS NOT NULL'),
    partner_answers: await count('SELECT COUNT(*) AS n FROM partner_answers WHERE tenant_id = ?'),
  };
}
