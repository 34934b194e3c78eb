import type { Db } from '../platform/db.js';

/**
 * Keyset walk over the validations that should have a job: every unfinished single validation, and
 * each processing batch's unfinished rows that its feeder already enqueued (ids up to `feed_cursor`;
 * rows above it are still the feeder's to enqueue). Order: `processing` rows first (few, and the ones
 * a crashed worker strands), then `queued`; within a status, singles, then batches by id. Every page
 * is a range of the `(status, batch_id, id)` index, so a page costs the same at row 1 and row 1,000,000.
 */
export type UnfinishedStatus = 'processing' | 'queued';
export interface ScanCursor {
  status: UnfinishedStatus;
  /** null: single validations. */
  batchId: string | null;
  afterId: string;
}

export const SCAN_START: ScanCursor = { status: 'processing', batchId: null, afterId: '' };
const STATUS_ORDER: readonly UnfinishedStatus[] = ['processing', 'queued'];

export interface UnfinishedPage {
  ids: string[];
  /** Where the next page starts; null once the walk has passed the last batch of the last status. */
  next: ScanCursor | null;
}

/**
 * The next page of up to `limit` ids from `cursor`, skipping empty scopes. `untouchedBefore` keeps
 * only rows whose `updated_at` is older (the periodic stale sweep); recovery after a Redis loss
 * passes none and decides per row.
 */
export async function nextUnfinishedPage(db: Db, cursor: ScanCursor, limit: number, untouchedBefore?: Date): Promise<UnfinishedPage> {
  let c: ScanCursor | null = cursor;
  while (c) {
    const ids = await pageInScope(db, c, limit, untouchedBefore);
    if (ids.length === limit) return { ids, next: { ...c, afterId: ids[ids.length - 1]! } };
    const next = await nextScope(db, c);
    if (ids.length > 0) return { ids, next };
    c = next;
  }
  return { ids: [], next: null };
}

async function pageInScope(db: Db, c: ScanCursor, limit: number, untouchedBefore?: Date): Promise<string[]> {
  // Forced: with the updated_at filter the optimizer may prefer (batch_id, id) and read every
  // finished row of a large batch before reaching its unfinished ones.
  const q = db
    .from(db.raw('?? FORCE INDEX (??)', ['validations', 'validations_status_batch_id_idx']))
    .where('status', c.status).where('id', '>', c.afterId).orderBy('id').limit(limit);
  if (untouchedBefore) q.where('updated_at', '<', untouchedBefore);
  if (c.batchId === null) return q.whereNull('batch_id').pluck('id');
  q.where('batch_id', c.batchId);
  if (c.status === 'queued') {
    const feed = await db('batches').where({ id: c.batchId }).first('feed_cursor', 'feed_done_at');
    if (!feed) return [];
    if (!feed.feed_done_at) {
      if (!feed.feed_cursor) return [];
      q.where('id', '<=', feed.feed_cursor);
    }
  }
  return q.pluck('id');
}

/** The scope after `c`: the next processing batch, else the next status's singles, else the end. */
async function nextScope(db: Db, c: ScanCursor): Promise<ScanCursor | null> {
  const batch = await db('batches')
    .where('status', 'processing')
    .where('id', '>', c.batchId ?? '')
    .orderBy('id')
    .first('id');
  if (batch) return { status: c.status, batchId: batch.id as string, afterId: '' };
  const status = STATUS_ORDER[STATUS_ORDER.indexOf(c.status) + 1];
  return status ? { status, batchId: null, afterId: '' } : null;
}

export interface UnfinishedRow {
  id: string;
  status: UnfinishedStatus;
  updatedAt: Date;
}

/** The rows among `ids` that are still unfinished, read now. */
export async function readUnfinished(db: Db, ids: readonly string[]): Promise<UnfinishedRow[]> {
  if (ids.length === 0) return [];
  const rows = await db('validations').whereIn('id', ids).whereIn('status', ['queued', 'processing']).select('id', 'status', 'updated_at');
  return rows.map((r) => ({ id: r.id as string, status: r.status as UnfinishedStatus, updatedAt: r.updated_at as Date }));
}

/** True when some validation that should have a job has not changed since `before` (used when the queue looks idle). */
export async function anyUnfinishedUntouchedSince(db: Db, before: Date): Promise<boolean> {
  const page = await nextUnfinishedPage(db, SCAN_START, 1, before);
  return page.ids.length > 0;
}
