import { parseJsonColumn, type Db, type Trx } from '../platform/db.js';
import { scopeWhere, type ModeScope } from '../platform/mode-scope.js';
import type { Batch, BatchRejection, BatchSource, RowBucket } from './batch-types.js';

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v ?? 0);

function fromRow(r: Row): Batch {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    livemode: Boolean(r.livemode),
    status: r.status as Batch['status'],
    source: r.source as BatchSource,
    referenceId: (r.reference_id as string | null) ?? null,
    metadata: parseJsonColumn<Record<string, string>>(r.metadata),
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
    updatedAt: r.updated_at as Date,
    completedAt: (r.completed_at as Date | null) ?? null,
  };
}

export async function insertBatch(
  db: Db | Trx,
  b: { id: string; tenantId: string; livemode: boolean; source: BatchSource; referenceId: string | null; metadata: Record<string, string> | null; webhookUrl?: string | null },
): Promise<void> {
  const now = new Date();
  await db('batches').insert({
    id: b.id,
    tenant_id: b.tenantId,
    livemode: b.livemode,
    status: 'accepting',
    source: b.source,
    reference_id: b.referenceId,
    metadata: b.metadata ? JSON.stringify(b.metadata) : null,
    webhook_url: b.webhookUrl ?? null,
    created_at: now,
    updated_at: now,
  });
}

/** Scoped read: another tenant's batch, or another mode's, does not exist. */
export async function findBatch(db: Db | Trx, scope: ModeScope, id: string): Promise<Batch | undefined> {
  const row = await db('batches').where({ id, ...scopeWhere(scope) }).first();
  return row ? fromRow(row) : undefined;
}

export async function findBatchById(db: Db | Trx, id: string): Promise<Batch | undefined> {
  const row = await db('batches').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

export async function listBatches(db: Db, q: { scope: ModeScope; beforeId?: string; limit: number }): Promise<Batch[]> {
  const query = db('batches').where(scopeWhere(q.scope));
  if (q.beforeId) query.where('id', '<', q.beforeId);
  return (await query.orderBy('id', 'desc').limit(q.limit)).map(fromRow);
}

/** Adds one ingested chunk's row counts (inside the chunk's transaction). */
export async function addIngestCounts(trx: Trx, id: string, c: { total: number; skipped: number; rejected: number; accepted: number; unique: number }): Promise<void> {
  await trx('batches')
    .where({ id })
    .update({
      total_rows: trx.raw('total_rows + ?', [c.total]),
      skipped_rows: trx.raw('skipped_rows + ?', [c.skipped]),
      rejected_rows: trx.raw('rejected_rows + ?', [c.rejected]),
      accepted_rows: trx.raw('accepted_rows + ?', [c.accepted]),
      unique_validations: trx.raw('unique_validations + ?', [c.unique]),
      updated_at: new Date(),
    });
}

/**
 * Ingest finished: every accepted row is now queued. A batch with nothing to validate is complete at
 * once. Returns the new status.
 */
export async function activateBatch(db: Db | Trx, id: string): Promise<'processing' | 'completed'> {
  const now = new Date();
  const done = await db('batches')
    .where({ id, status: 'accepting', accepted_rows: 0 })
    .update({ status: 'completed', completed_at: now, updated_at: now, feed_done_at: now });
  if (done) return 'completed';
  await db('batches')
    .where({ id, status: 'accepting' })
    .update({ status: 'processing', queued_rows: db.raw('accepted_rows'), updated_at: now });
  return 'processing';
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
      failed_rows: trx.raw('accepted_rows'),
      queued_rows: 0,
      processing_rows: 0,
      updated_at: now,
      completed_at: now,
    });
    return true;
  });
}

const COLUMN: Record<RowBucket, string> = { queued: 'queued_rows', processing: 'processing_rows', completed: 'completed_rows', failed: 'failed_rows' };

/**
 * Moves `rows` input rows from one bucket to another, in the same transaction that changes the
 * validation, and marks the batch completed when this move made every accepted row final. The
 * conditional UPDATE makes `completed` happen exactly once however many workers finish rows at once.
 * Returns true when this call completed the batch.
 */
export async function moveBatchRows(trx: Trx, batchId: string, from: RowBucket, to: RowBucket, rows: number): Promise<boolean> {
  if (from === to || rows === 0) return false;
  const now = new Date();
  await trx('batches')
    .where({ id: batchId })
    .update({ [COLUMN[from]]: trx.raw('?? - ?', [COLUMN[from], rows]), [COLUMN[to]]: trx.raw('?? + ?', [COLUMN[to], rows]), updated_at: now });
  if (to !== 'completed' && to !== 'failed') return false;
  const completed = await trx('batches')
    .where({ id: batchId, status: 'processing' })
    .whereRaw('completed_rows + failed_rows = accepted_rows')
    .update({ status: 'completed', completed_at: now });
  return completed === 1;
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
