import { parseJsonColumn, type Db, type Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { scopeWhere, type ModeScope } from '../platform/mode-scope.js';
import type { Batch, BatchRejection, BatchSource, BatchState } from './batch-types.js';
import { addExpectedRows, countsFor, createCounterShards, failExpectedRows, queueExpectedRows } from './batch-counter-store.js';

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v ?? 0);

/** A batch's metadata is the client's free text: stored sealed, bound to the batch (decision 0039). */
export const batchMetadataAad = (batchId: string): string => `batches.metadata:${batchId}`;

/** The metadata of a stored batch: its ciphertext opened, or the plaintext column of a batch stored before. */
function metadataOf(r: Row, cipher: FieldCipher): Record<string, string> | null {
  const sealed = r.metadata_ciphertext;
  return parseJsonColumn<Record<string, string>>(typeof sealed === 'string' ? cipher.decrypt(sealed, batchMetadataAad(r.id as string)) : r.metadata);
}

/** A batch row without its metadata: what the feeder, the sweep and counts-only readers use. */
function stateOf(r: Row): BatchState {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    livemode: Boolean(r.livemode),
    status: r.status as Batch['status'],
    source: r.source as BatchSource,
    referenceId: (r.reference_id as string | null) ?? null,
    webhookUrl: (r.webhook_url as string | null) ?? null,
    totalRows: num(r.total_rows),
    skippedRows: num(r.skipped_rows),
    rejectedRows: num(r.rejected_rows),
    acceptedRows: num(r.accepted_rows),
    queuedRows: num(r.queued_rows),
    processingRows: num(r.processing_rows),
    completedRows: num(r.completed_rows),
    failedRows: num(r.failed_rows),
    uniqueValidations: num(r.unique_validations),
    feedCursor: (r.feed_cursor as string | null) ?? null,
    feedDoneAt: (r.feed_done_at as Date | null) ?? null,
    failureCode: (r.failure_code as string | null) ?? null,
    failureMessage: (r.failure_message as string | null) ?? null,
    createdAt: r.created_at as Date,
    // Rows moving on the counter shards change the batch as much as its own row does.
    updatedAt: r.counts_updated_at && (r.counts_updated_at as Date) > (r.updated_at as Date) ? (r.counts_updated_at as Date) : (r.updated_at as Date),
    completedAt: (r.completed_at as Date | null) ?? null,
    purgedAt: (r.purged_at as Date | null) ?? null,
  };
}

const fromRow = (r: Row, cipher: FieldCipher): Batch => ({ ...stateOf(r), metadata: metadataOf(r, cipher) });

export async function insertBatch(
  db: Db | Trx,
  cipher: FieldCipher,
  b: { id: string; tenantId: string; livemode: boolean; source: BatchSource; referenceId: string | null; metadata: Record<string, string> | null; webhookUrl?: string | null },
): Promise<void> {
  const now = new Date();
  await inTransaction(db, async (trx) => {
    await trx('batches').insert({
      id: b.id,
      tenant_id: b.tenantId,
      livemode: b.livemode,
      status: 'accepting',
      source: b.source,
      reference_id: b.referenceId,
      metadata_ciphertext: b.metadata ? cipher.encrypt(JSON.stringify(b.metadata), batchMetadataAad(b.id)) : null,
      webhook_url: b.webhookUrl ?? null,
      created_at: now,
      updated_at: now,
    });
    await createCounterShards(trx, b.id, now);
  });
}

/** Runs `work` in the caller's transaction, or in a new one when given the pool. */
function inTransaction<T>(db: Db | Trx, work: (trx: Trx) => Promise<T>): Promise<T> {
  return (db as Trx).isTransaction ? work(db as Trx) : db.transaction(work);
}

/** Batches with their counts summed from the counter shards, read in one statement (one snapshot). */
function withCounts(db: Db | Trx, ids: readonly string[]) {
  return db('batches as b')
    .leftJoin(countsFor(db, ids), 's.batch_id', 'b.id')
    .whereIn('b.id', ids)
    .select('b.*', 's.queued_rows', 's.processing_rows', 's.completed_rows', 's.failed_rows', 's.counts_updated_at');
}

/** Scoped read: another tenant's batch, or another mode's, does not exist. */
export async function findBatch(db: Db | Trx, cipher: FieldCipher, scope: ModeScope, id: string): Promise<Batch | undefined> {
  const row = await withCounts(db, [id]).where(scopeWhere(scope, 'b')).first();
  return row ? fromRow(row, cipher) : undefined;
}

/** Status and counts, unscoped; no metadata (nothing to decrypt). */
export async function findBatchById(db: Db | Trx, id: string): Promise<BatchState | undefined> {
  const row = await withCounts(db, [id]).first();
  return row ? stateOf(row) : undefined;
}

/** The whole batch, metadata opened, unscoped: for the `batch.completed` event. */
export async function findBatchWithMetadata(db: Db | Trx, cipher: FieldCipher, id: string): Promise<Batch | undefined> {
  const row = await withCounts(db, [id]).first();
  return row ? fromRow(row, cipher) : undefined;
}

/** A page of batches: its ids, then the batches with their counts in one grouped read (not one per batch). */
export async function listBatches(db: Db, cipher: FieldCipher, q: { scope: ModeScope; beforeId?: string; limit: number }): Promise<Batch[]> {
  // Named for the reason listValidations names its index (MDEV-34413: a backwards `id <` range).
  const query = db.from(db.raw('?? FORCE INDEX (??)', ['batches', 'batches_scope_id_idx'])).where(scopeWhere(q.scope));
  if (q.beforeId) query.where('id', '<', q.beforeId);
  const ids: string[] = await query.orderBy('id', 'desc').limit(q.limit).pluck('id');
  if (ids.length === 0) return [];
  return (await withCounts(db, ids).orderBy('b.id', 'desc')).map((r) => fromRow(r, cipher));
}

/**
 * Adds one ingested chunk's row counts (inside the chunk's transaction): the totals on the batch row,
 * and its accepted rows per counter shard to `expected` (batch row first, the order every writer keeps).
 */
export async function addIngestCounts(
  trx: Trx,
  id: string,
  c: { total: number; skipped: number; rejected: number; accepted: number; unique: number; acceptedPerShard: ReadonlyMap<number, number> },
): Promise<void> {
  const now = new Date();
  await trx('batches')
    .where({ id })
    .update({
      total_rows: trx.raw('total_rows + ?', [c.total]),
      skipped_rows: trx.raw('skipped_rows + ?', [c.skipped]),
      rejected_rows: trx.raw('rejected_rows + ?', [c.rejected]),
      accepted_rows: trx.raw('accepted_rows + ?', [c.accepted]),
      unique_validations: trx.raw('unique_validations + ?', [c.unique]),
      updated_at: now,
    });
  await addExpectedRows(trx, id, c.acceptedPerShard, now);
}

/**
 * Ingest finished: every accepted row is now queued (on its counter shard, in the same transaction).
 * A batch with nothing to validate is complete at once. Returns the new status.
 */
export async function activateBatch(db: Db | Trx, id: string): Promise<'processing' | 'completed'> {
  return inTransaction(db, async (trx) => {
    const now = new Date();
    const done = await trx('batches')
      .where({ id, status: 'accepting', accepted_rows: 0 })
      .update({ status: 'completed', completed_at: now, updated_at: now, feed_done_at: now });
    if (done) return 'completed';
    const activated = await trx('batches').where({ id, status: 'accepting' }).update({ status: 'processing', updated_at: now });
    if (activated) await queueExpectedRows(trx, id, now);
    return 'processing';
  });
}

/**
 * Fails an upload that never finished (limits, unreadable tail, dead API process). Its stored rows were
 * never fed to the queue, so they all count as failed and the counts still add up to `total`. Returns
 * whether this call failed it: false when the batch had already left `accepting` (activated meanwhile,
 * or failed by someone else), or, with `notUpdatedSince`, was updated since.
 */
export async function failBatch(db: Db | Trx, id: string, code: string, message: string, opts: { notUpdatedSince?: Date } = {}): Promise<boolean> {
  // Read and locked by primary key, then decided here: a WHERE on updated_at could make MySQL lock the
  // batch through its (status, updated_at) index and deadlock with the ingestor updating that row.
  return db.transaction(async (trx) => {
    const row = await trx('batches').where({ id }).forUpdate().first('status', 'updated_at');
    if (row?.status !== 'accepting') return false;
    // The sweeper's test of "abandoned", repeated under the lock: a chunk stored meanwhile saves the upload.
    if (opts.notUpdatedSince && (row.updated_at as Date) >= opts.notUpdatedSince) return false;
    const now = new Date();
    await trx('batches').where({ id }).update({
      status: 'failed',
      failure_code: code,
      failure_message: message.slice(0, 255),
      updated_at: now,
      completed_at: now,
    });
    await failExpectedRows(trx, id, now);
    return true;
  });
}

export async function advanceFeed(db: Db, id: string, cursor: string | null, done: boolean): Promise<void> {
  const now = new Date();
  await db('batches').where({ id }).update({ feed_cursor: cursor, updated_at: now, ...(done ? { feed_done_at: now } : {}) });
}

export async function listRejections(db: Db, batchId: string, afterRow: number, limit: number): Promise<BatchRejection[]> {
  const rows = await db('batch_rows')
    .where({ batch_id: batchId, rejected: true })
    .where('row_number', '>', afterRow)
    .orderBy('row_number')
    .limit(limit)
    .select('row_number', 'rejection_column', 'rejection_code', 'rejection_message');
  return rows.map((r) => ({ row: Number(r.row_number), column: r.rejection_column, code: r.rejection_code, message: r.rejection_message }));
}
