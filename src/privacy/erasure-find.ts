// The find of an erasure request, one bounded step at a time in the leader's runner: the payee's
// single validations through the unique key (batch_id, account_blind_index) with batch_id NULL, a
// page at a time; then the tenant's batches in id order, a chunk at a time, each looked up through the
// same key. A batch still accepting rows stops the walk until its upload ends (or is failed by the
// batch sweep): rows it has yet to insert could be the payee's. Purged rows have no index and never
// match. The payee's indexes are those of the current blind-index key and, while a key change is under
// way (BLIND_INDEX_PREVIOUS_KEY, before `payval keys reindex` finished), of the previous one.

import type { Db } from '../platform/db.js';
import { recordFound, type ErasureRequest } from './erasure-store.js';

const SINGLES_PAGE = 500;
const BATCH_CHUNK = 100;

export type FindStep = 'more' | 'wait' | 'found';

const modesOf = (r: ErasureRequest): boolean[] => (r.livemode ? [true, false] : [false]);

/** The next batches of the tenant after `afterId`, both modes merged in id order, through the (tenant, mode, id) index. */
async function nextBatches(db: Db, r: ErasureRequest, afterId: string): Promise<Array<{ id: string; status: string }>> {
  const perMode = await Promise.all(
    modesOf(r).map((livemode) =>
      db
        .from(db.raw('?? FORCE INDEX (??)', ['batches', 'batches_scope_id_idx']))
        .where({ tenant_id: r.tenantId, livemode })
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(BATCH_CHUNK)
        .select('id', 'status'),
    ),
  );
  return perMode
    .flat()
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .slice(0, BATCH_CHUNK);
}

/** One step of `r`'s find: `more` when it moved on, `wait` when a batch still accepting rows holds it, `found` when done. */
export async function findStep(db: Db, r: ErasureRequest, now = new Date()): Promise<FindStep> {
  const indexes = r.payeeIndexes ?? [];
  const cursor = r.findCursor ?? 's:';
  if (cursor.startsWith('s:')) {
    const ids: string[] = await db('validations')
      .whereNull('batch_id')
      .whereIn('account_blind_index', indexes)
      .where({ tenant_id: r.tenantId })
      .whereIn('livemode', modesOf(r))
      .where('id', '>', cursor.slice(2))
      .orderBy('id')
      .limit(SINGLES_PAGE)
      .pluck('id');
    await recordFound(db, r, ids, ids.length < SINGLES_PAGE ? 'b:' : `s:${ids.at(-1)}`, null);
    return 'more';
  }
  const batches = await nextBatches(db, r, cursor.slice(2));
  if (batches.length === 0) {
    await recordFound(db, r, [], cursor, now);
    return 'found';
  }
  const accepting = batches.findIndex((b) => b.status === 'accepting');
  const ready = accepting === -1 ? batches : batches.slice(0, accepting);
  if (ready.length === 0) return 'wait';
  const ids: string[] = await db('validations')
    .whereIn('batch_id', ready.map((b) => b.id))
    .whereIn('account_blind_index', indexes)
    .orderBy('id')
    .pluck('id');
  await recordFound(db, r, ids, `b:${ready.at(-1)!.id}`, null);
  return accepting === -1 ? 'more' : 'wait';
}
