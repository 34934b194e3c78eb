// The find of an erasure request, one bounded step at a time in the leader's runner: the payee's
// single validations through the unique key (batch_id, account_blind_index) with batch_id NULL, a
// page at a time; then the tenant's batches in id order, a chunk at a time, each looked up through the
// same key. Only what existed when the request was made: singles and batches created before it (plus
// a second for clocks; the find starts a few seconds after the request, once anything made before it
// has committed), though a batch still accepting its upload then is waited for — the rows it has yet
// to store were sent before the request. Purged rows have no index and never match. The payee's
// indexes come from the runner at each step, under the keys it has then (a blind-index key change can
// happen while a request runs).

import type { Db } from '../platform/db.js';
import { idAtTime } from '../platform/ids.js';
import { recordFound, type ErasureRequest } from './erasure-store.js';

const SINGLES_PAGE = 500;
const BATCH_CHUNK = 100;
/** Clocks of the processes that made the ids may differ a little from the one that made the request. */
const CLOCK_MARGIN_MS = 1000;

export type FindStep = 'more' | 'wait' | 'found';

const modesOf = (r: ErasureRequest): boolean[] => (r.livemode ? [true, false] : [false]);
const bound = (prefix: string, r: ErasureRequest): string => idAtTime(prefix, new Date(r.createdAt.getTime() + CLOCK_MARGIN_MS));
const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** How long after the request the find starts: a single whose id was made before it may still be committing. */
export const SETTLE_MS = 5000;

/**
 * The next single validations of the payee after `afterId`: one ordered range of the unique key per
 * index (so the plan never falls back to a scan of the tenant), merged, the first SINGLES_PAGE of them.
 * One statement, so one snapshot: a row `payval keys reindex` moves from one index to the other
 * meanwhile is seen under exactly one of them.
 */
async function nextSingles(db: Db, r: ErasureRequest, indexes: readonly string[], afterId: string): Promise<string[]> {
  const modes = modesOf(r);
  const range = `(SELECT id FROM validations FORCE INDEX (validations_batch_payee_uq)
    WHERE batch_id IS NULL AND account_blind_index = ? AND id > ? AND id < ? AND tenant_id = ? AND livemode IN (${modes.map(() => '?').join(', ')})
    ORDER BY id LIMIT ${SINGLES_PAGE})`;
  const sql = `${indexes.map(() => range).join(' UNION ALL ')} ORDER BY id LIMIT ${SINGLES_PAGE}`;
  const binds = indexes.flatMap((index) => [index, afterId, bound('val', r), r.tenantId, ...modes]);
  const [rows] = (await db.raw(sql, binds)) as [Array<{ id: string }>];
  return rows.map((row) => row.id);
}

/** The next batches of the tenant after `afterId` made before the request, both modes merged in id order, through the (tenant, mode, id) index. */
async function nextBatches(db: Db, r: ErasureRequest, afterId: string): Promise<Array<{ id: string; status: string }>> {
  const perMode = await Promise.all(
    modesOf(r).map((livemode) =>
      db
        .from(db.raw('?? FORCE INDEX (??)', ['batches', 'batches_scope_id_idx']))
        .where({ tenant_id: r.tenantId, livemode })
        .where('id', '>', afterId)
        .where('id', '<', bound('bat', r))
        .orderBy('id')
        .limit(BATCH_CHUNK)
        .select('id', 'status'),
    ),
  );
  return perMode
    .flat()
    .sort((a, b) => byId(a.id, b.id))
    .slice(0, BATCH_CHUNK);
}

/**
 * One step of `r`'s find for the payee's blind `indexes`: `more` when it moved on, `wait` when a batch
 * still accepting its upload holds it, `found` when done.
 */
export async function findStep(db: Db, r: ErasureRequest, indexes: readonly string[], now = new Date(), settleMs = SETTLE_MS): Promise<FindStep> {
  if (now.getTime() < r.createdAt.getTime() + settleMs) return 'wait';
  const cursor = r.findCursor ?? 's:';
  if (cursor.startsWith('s:')) {
    const ids = await nextSingles(db, r, indexes, cursor.slice(2));
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
