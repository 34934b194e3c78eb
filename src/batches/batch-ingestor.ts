import type { Knex } from 'knex';
import type { Db, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { AppError } from '../platform/app-error.js';
import { newId } from '../platform/ids.js';
import { precheckPayee, type PayeeInput } from '../validations/payee-precheck.js';
import { buildNewValidation, type BlindIndexer } from '../validations/new-validation.js';
import { newValidationRow } from '../validations/validation-store.js';
import { addIngestCounts } from './batch-store.js';
import { rowsPerShard } from './counter-shard.js';
import type { BatchRejection } from './batch-types.js';

/**
 * One input row, already mapped from CSV or JSON: a payee to pre-check, or a row rejected while reading
 * it; or a run of `blank` blank rows from `row` on (skipped, but counted, and counted against the limit).
 */
export type IngestItem =
  | { row: number; ok: true; payee: PayeeInput; referenceId: string | null; metadata?: Record<string, string> | null; blank?: never }
  | { row: number; ok: false; column: string | null; code: string; message: string; referenceId?: string | null; blank?: never }
  | { row: number; blank: number; ok?: never };

export interface IngestDeps { db: Db; cipher: FieldCipher; blindIndex: BlindIndexer }
export interface IngestTotals { total: number; skipped: number; rejected: number; accepted: number }

const FIRST_REJECTIONS = 100;
const PREPARE_SLICE = 100;
const STATEMENT_ROWS = 250;
/** Blank rows cost no insert; their count is written with the next chunk, or alone after this many. */
const SKIPPED_FLUSH = 64 * 1000;

/** Maps a pre-check field path to the CSV column / JSON field a person would look at. */
export type FieldToColumn = (field: string) => string | null;
/** The reference stored with a rejected row (CSV: not one that could be an account number). */
export type RejectionReference = (referenceId: string | null) => string | null;

/**
 * Streams rows into MySQL in chunks: each chunk is one transaction of multi-row INSERTs (validations,
 * then batch_rows) plus the batch's counters. One chunk is written while the next is being prepared,
 * and `add` waits when a second one is ready — that wait is the backpressure that pauses the request
 * stream. Duplicate payees inside the batch collapse onto one validation through the
 * `(batch_id, account_blind_index)` unique key, which counts the rows sharing it.
 */
export function createBatchIngestor(
  deps: IngestDeps,
  batch: { id: string; tenantId: string; livemode: boolean; maxAgeSeconds: number },
  opts: { maxRows: number; chunkSize?: number; fieldToColumn: FieldToColumn; rejectionReference?: RejectionReference },
) {
  const chunkSize = opts.chunkSize ?? 1000;
  const totals: IngestTotals = { total: 0, skipped: 0, rejected: 0, accepted: 0 };
  const firstRejections: BatchRejection[] = [];
  let pending: IngestItem[] = [];
  let pendingSkipped = 0;
  let inFlight: Promise<void> | null = null;
  // Every row handed to add(), stored or not yet: the row limit counts these, so no chunk in flight
  // can carry a batch past it.
  let added = 0;

  function reject(row: number, referenceId: string | null, column: string | null, code: string, message: string, into: Record<string, unknown>[]): void {
    if (firstRejections.length < FIRST_REJECTIONS) firstRejections.push({ row, column, code, message });
    const reference = opts.rejectionReference ? opts.rejectionReference(referenceId) : referenceId;
    into.push({ batch_id: batch.id, row_number: row, validation_id: null, reference_id: reference, rejected: true, rejection_code: code, rejection_column: column, rejection_message: message.slice(0, 255) });
  }

  async function writeChunk(items: IngestItem[], skipped: number): Promise<void> {
    const now = new Date();
    const validationRows: Record<string, unknown>[] = [];
    const rowsByIndex: Array<{ row: number; blind: string; referenceId: string | null }> = [];
    const batchRows: Record<string, unknown>[] = [];
    for (let i = 0; i < items.length; i++) {
      // Preparing a row (checks, AES-GCM, HMAC) costs tens of microseconds; yielding every 100 rows keeps
      // the event loop free for other tenants' requests during a big upload.
      if (i > 0 && i % PREPARE_SLICE === 0) await new Promise((r) => setImmediate(r));
      const item = items[i]!;
      if (item.blank !== undefined) continue;
      if (!item.ok) {
        reject(item.row, item.referenceId ?? null, item.column, item.code, item.message, batchRows);
        continue;
      }
      const checked = precheckPayee(item.payee);
      if (!checked.ok) {
        reject(item.row, item.referenceId, opts.fieldToColumn(checked.error.field), checked.error.code, checked.error.message, batchRows);
        continue;
      }
      const v = buildNewValidation(checked.payee, { id: newId('val'), tenantId: batch.tenantId, livemode: batch.livemode, referenceId: item.referenceId, metadata: item.metadata ?? null }, deps.cipher, deps.blindIndex);
      validationRows.push(newValidationRow({ ...v, maxAgeSeconds: batch.maxAgeSeconds }, now, batch.id));
      rowsByIndex.push({ row: item.row, blind: v.accountBlindIndex!, referenceId: item.referenceId });
    }
    const rejected = batchRows.length;

    await deps.db.transaction(async (trx: Trx) => {
      let unique = 0;
      // Each accepted row is counted on the shard of the validation it joined (a duplicate of an earlier
      // chunk's payee included), so a shard's `expected` is the sum of its validations' batch_row_count.
      let acceptedPerShard = new Map<number, number>();
      if (validationRows.length) {
        // Statements of STATEMENT_ROWS: formatting a statement is synchronous, so smaller ones keep the
        // event loop responsive at almost the same insert rate.
        for (let i = 0; i < validationRows.length; i += STATEMENT_ROWS) {
          const slice = validationRows.slice(i, i + STATEMENT_ROWS);
          const q = trx('validations').insert(slice).onConflict().merge({ batch_row_count: trx.raw('batch_row_count + 1') }).toSQL();
          const [header] = (await trx.raw(q.sql, q.bindings as readonly Knex.RawBinding[])) as unknown as [{ affectedRows: number }];
          // MySQL counts 1 per inserted row and 2 per duplicate that updated an existing one.
          unique += 2 * slice.length - header.affectedRows;
        }
        const idByBlind = new Map<string, string>();
        const found = await trx('validations')
          .where('batch_id', batch.id)
          .whereIn('account_blind_index', [...new Set(rowsByIndex.map((r) => r.blind))])
          .select('id', 'account_blind_index');
        for (const f of found) idByBlind.set(f.account_blind_index, f.id);
        for (const r of rowsByIndex) {
          const validationId = idByBlind.get(r.blind);
          // Every accepted row just added 1 to its validation's batch_row_count (insert or merge).
          if (!validationId) throw new Error('an accepted row has no validation');
          batchRows.push({ batch_id: batch.id, row_number: r.row, validation_id: validationId, reference_id: r.referenceId, rejected: false, rejection_code: null, rejection_column: null, rejection_message: null });
        }
        acceptedPerShard = rowsPerShard(rowsByIndex.map((r) => ({ validationId: idByBlind.get(r.blind)!, rows: 1 })));
      }
      if (batchRows.length) await trx('batch_rows').insert(batchRows);
      await addIngestCounts(trx, batch.id, { total: items.length, skipped, rejected, accepted: rowsByIndex.length, unique, acceptedPerShard });
    });
    totals.total += items.length;
    totals.skipped += skipped;
    totals.rejected += rejected;
    totals.accepted += rowsByIndex.length;
  }

  async function flush(): Promise<void> {
    const items = pending;
    const skipped = pendingSkipped;
    pending = [];
    pendingSkipped = 0;
    if (inFlight) await inFlight;
    if (items.length || skipped) {
      inFlight = writeChunk(items, skipped);
      // Marked handled now; the next flush/finish awaits it and sees the error.
      inFlight.catch(() => undefined);
    }
  }

  return {
    firstRejections,
    /** Rows must arrive in increasing row order. Resolves quickly unless MySQL is behind (backpressure). */
    async add(item: IngestItem): Promise<void> {
      added += item.blank ?? 1;
      if (added > opts.maxRows) {
        throw new AppError('batch.too_large', `A batch may hold at most ${opts.maxRows.toLocaleString('en')} rows (blank rows count).`);
      }
      if (item.blank !== undefined) pendingSkipped += item.blank;
      else pending.push(item);
      if (pending.length >= chunkSize || pendingSkipped >= SKIPPED_FLUSH) await flush();
    },
    async finish(): Promise<IngestTotals> {
      await flush();
      if (inFlight) await inFlight;
      inFlight = null;
      return { ...totals };
    },
    /** Waits for an in-flight chunk after a failure, so the caller can clean up after it. */
    async settle(): Promise<void> {
      await inFlight?.catch(() => undefined);
      inFlight = null;
    },
  };
}

export type BatchIngestor = ReturnType<typeof createBatchIngestor>;
