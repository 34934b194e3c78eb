// The bare MySQL rate: multi-row INSERTs of 1,000 rows into a copy of payval's `validations` table,
// one connection, one statement at a time. Only the INSERTs are timed; building the rows is not.
import { createHash, randomBytes } from 'node:crypto';
import { createDb } from '../../src/platform/db.js';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { newId } from '../../src/platform/ids.js';

export interface BaselineResult {
  rows: number;
  insertMs: number;
  rowsPerSec: number;
  columns: string[];
}

interface Column { Field: string; Type: string; Null: 'YES' | 'NO'; Default: unknown; Extra: string }

/**
 * `CREATE TABLE … LIKE` copies columns and indexes (not foreign keys), so the baseline pays for the
 * same secondary-index maintenance as payval does; the result is a strict reference.
 */
export async function runBaseline(opts: { scratchUrl: string; sourceDb: string; rows: number; chunk?: number }): Promise<BaselineResult> {
  const chunk = opts.chunk ?? 1000;
  const db = createDb(opts.scratchUrl, 1);
  try {
    await db.raw('DROP TABLE IF EXISTS baseline');
    await db.raw(`CREATE TABLE baseline LIKE \`${opts.sourceDb}\`.validations`);
    const [columns] = (await db.raw('SHOW COLUMNS FROM baseline')) as [Column[]];
    const makeRow = rowFactory(columns);
    let insertMs = 0;
    for (let done = 0; done < opts.rows; done += chunk) {
      const rows = Array.from({ length: Math.min(chunk, opts.rows - done) }, (_, i) => makeRow(done + i));
      const t0 = performance.now();
      await db('baseline').insert(rows);
      insertMs += performance.now() - t0;
    }
    return { rows: opts.rows, insertMs, rowsPerSec: opts.rows / (insertMs / 1000), columns: columns.map((c) => c.Field) };
  } finally {
    await db.raw('DROP TABLE IF EXISTS baseline').catch(() => undefined);
    await db.destroy();
  }
}

const IFSCS: Array<[string, string]> = [['HDFC0000001', 'HDFC Bank'], ['SBIN0000001', 'State Bank of India'], ['ICIC0000001', 'ICICI Bank'], ['UTIB0000001', 'Axis Bank']];

/** A queued validation as payval stores it: real AES-GCM ciphertext, a distinct HMAC-sized blind index. */
function rowFactory(columns: Column[]): (i: number) => Record<string, unknown> {
  const cipher = createFieldCipher({ keys: { dev1: randomBytes(32) }, activeKeyId: 'dev1' });
  const tenantId = newId('ten');
  const batchId = newId('bat');
  const indexKey = randomBytes(32);
  const known: Record<string, (i: number, now: Date, vpa: boolean) => unknown> = {
    id: () => newId('val'),
    tenant_id: () => tenantId,
    type: (_i, _n, vpa) => (vpa ? 'vpa' : 'bank_account'),
    rail: (i, _n, vpa) => (vpa ? 'UPI' : i % 3 ? 'IMPS' : 'NEFT'),
    status: () => 'queued',
    account_ciphertext: (i, _n, vpa) => (vpa ? null : cipher.encrypt(String(5010001234567 + i * 7), tenantId)),
    // payval indexes VPAs too (in-batch dedupe), so every row carries a distinct blind index.
    account_blind_index: (i) => createHash('sha256').update(indexKey).update(String(i)).digest('hex'),
    account_last4: (i, _n, vpa) => (vpa ? null : String(5010001234567 + i * 7).slice(-4)),
    ifsc: (i, _n, vpa) => (vpa ? null : IFSCS[i % IFSCS.length]![0]),
    bank_name: (i, _n, vpa) => (vpa ? null : IFSCS[i % IFSCS.length]![1]),
    vpa: (i, _n, vpa) => (vpa ? `priya.nair${i % 100}@okaxis` : null),
    expected_name: () => 'Ramesh Kumar',
    reference_id: (i) => `INV-2026-${String(i).padStart(7, '0')}`,
    metadata: () => null,
    attempts: () => 0,
    created_at: (_i, now) => now,
    updated_at: (_i, now) => now,
    batch_id: () => batchId,
  };
  // Columns added after this script was written: fill what must be filled, by type.
  const extra = columns.filter((c) => !(c.Field in known) && !/auto_increment/i.test(c.Extra));
  const byType = (c: Column, i: number): unknown =>
    /int/i.test(c.Type) ? i + 1 : /date|time/i.test(c.Type) ? new Date() : /json/i.test(c.Type) ? null : 'x';
  return (i) => {
    const now = new Date();
    const vpa = i % 10 === 9;
    const row: Record<string, unknown> = {};
    for (const c of columns) {
      const make = known[c.Field];
      if (make) row[c.Field] = make(i, now, vpa);
    }
    for (const c of extra) if (c.Null === 'NO' && c.Default === null) row[c.Field] = byType(c, i);
    return row;
  };
}

/**
 * Waits (up to `maxMs`) until InnoDB stops flushing: the dirty-page count is low or no longer falling
 * (MariaDB leaves some dirty pages at idle). The baseline's write-back then does not run underneath the
 * measurement that follows it.
 */
export async function waitForInnodbQuiet(url: string, maxMs = 60_000): Promise<{ ms: number; dirtyPages: number }> {
  const db = createDb(url, 1);
  const started = performance.now();
  const history: number[] = [];
  try {
    for (;;) {
      const [rows] = (await db.raw("SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_buffer_pool_pages_dirty', 'Innodb_buffer_pool_pages_total')")) as [Array<{ Variable_name: string; Value: string }>];
      const get = (name: string) => Number(rows.find((r) => r.Variable_name === name)?.Value ?? 0);
      const dirty = get('Innodb_buffer_pool_pages_dirty');
      history.push(dirty);
      const ms = performance.now() - started;
      const steady = history.length >= 3 && history.at(-3)! <= dirty;
      if (dirty <= get('Innodb_buffer_pool_pages_total') * 0.01 || steady || ms >= maxMs) return { ms, dirtyPages: dirty };
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await db.destroy();
  }
}
