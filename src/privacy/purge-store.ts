// The writes that purge personal data, shared by retention and erasure. Each takes the caller's
// transaction and touches rows by primary key or a short index range, so a page holds its locks for
// milliseconds; what is purged and kept is purge-plan.ts.

import type { Db, Trx } from '../platform/db.js';
import { purgedEventPayload, purgedValues } from './purge-plan.js';
import { isFinal, type ValidationStatus } from '../validations/validation-types.js';


export interface PurgedValidations {
  /** Rows purged now. */
  purged: string[];
  /** Rows left alone because they are not final yet. */
  unfinished: string[];
  /** Webhook events rewritten to their stub. */
  events: number;
}

/**
 * Purges the final rows among `ids` not yet purged: locks them (id order), nulls the plan's columns,
 * deletes the reuse pointers that still point at them, and stubs their webhook events. Unfinished
 * rows are reported, not touched: a worker may be calling a partner for them.
 */
export async function purgeValidations(trx: Trx, tenantId: string, ids: readonly string[], now: Date): Promise<PurgedValidations> {
  if (ids.length === 0) return { purged: [], unfinished: [], events: 0 };
  const rows: Array<{ id: string; livemode: number | boolean; status: ValidationStatus; account_blind_index: string | null }> = await trx('validations')
    .where({ tenant_id: tenantId })
    .whereIn('id', ids)
    .whereNull('purged_at')
    .orderBy('id')
    .forUpdate()
    .select('id', 'livemode', 'status', 'account_blind_index');
  const final = rows.filter((r) => isFinal(r.status));
  const unfinished = rows.filter((r) => !isFinal(r.status)).map((r) => r.id);
  if (final.length === 0) return { purged: [], unfinished, events: 0 };
  const purged = final.map((r) => r.id);
  await trx('validations').whereIn('id', purged).update(purgedValues('validations', now));
  for (const livemode of [true, false]) {
    const pointed = final.filter((r) => Boolean(r.livemode) === livemode && r.account_blind_index);
    if (pointed.length === 0) continue;
    // Only pointers at these rows: a newer answer of the same payee stays reusable.
    await trx('partner_answers')
      .whereIn('account_blind_index', pointed.map((r) => r.account_blind_index!))
      .where({ livemode })
      .whereIn('validation_id', purged)
      .delete();
  }
  const events = await purgeEventsOf(trx, tenantId, purged, now);
  return { purged, unfinished, events };
}

/** Rewrites the events about `objectIds` to stubs, nulls their receivers' echoed answers, and stops pending deliveries. */
export async function purgeEventsOf(trx: Trx, tenantId: string, objectIds: readonly string[], now: Date): Promise<number> {
  if (objectIds.length === 0) return 0;
  const events: Array<{ id: string; object_id: string; livemode: number | boolean; type: string; created_at: Date }> = await trx('webhook_events')
    .where({ tenant_id: tenantId })
    .whereIn('object_id', objectIds)
    .whereNull('purged_at')
    .orderBy('id')
    .forUpdate()
    .select('id', 'object_id', 'livemode', 'type', 'created_at');
  if (events.length === 0) return 0;
  const eventIds = events.map((e) => e.id);
  // One statement for the page: each event gets its own stub, made from its columns (the payload is sealed).
  const cases = events.map(() => 'WHEN ? THEN ?').join(' ');
  const binds = events.flatMap((e) => [e.id, purgedEventPayload({ objectId: e.object_id, livemode: Boolean(e.livemode), type: e.type, createdAt: e.created_at }, now)]);
  await trx.raw(`UPDATE webhook_events SET payload = CASE id ${cases} END, purged_at = ? WHERE id IN (${eventIds.map(() => '?').join(',')})`, [...binds, now, ...eventIds]);
  const deliveries: string[] = (await trx('webhook_deliveries').whereIn('event_id', eventIds).select('id')).map((d: { id: string }) => d.id);
  if (deliveries.length > 0) {
    await trx('webhook_attempts').whereIn('delivery_id', deliveries).whereNotNull('response_body').update({ response_body: null });
    // A delivery still retrying would send the stub: it stops instead, saying why.
    await trx('webhook_deliveries')
      .whereIn('id', deliveries)
      .where({ status: 'pending' })
      .update({ status: 'failed', last_error: 'event_purged', next_attempt_at: null, lease_until: null, completed_at: now, updated_at: now });
  }
  return events.length;
}

/**
 * Nulls one range of a batch's row references, in its own short statement (a million-row batch takes
 * many); with `validationIds`, only the rows of those validations (erasure).
 */
export async function purgeBatchRowRange(db: Db | Trx, batchId: string, afterRow: number, throughRow: number, validationIds?: readonly string[]): Promise<number> {
  const q = db('batch_rows')
    .where({ batch_id: batchId })
    .where('row_number', '>', afterRow)
    .where('row_number', '<=', throughRow)
    .whereNotNull('reference_id');
  if (validationIds) q.whereIn('validation_id', validationIds);
  return q.update({ reference_id: null });
}

export const BATCH_ROW_RANGE = 2000;

/**
 * Nulls the references of the rows of `validationIds` in one batch, range by range outside any other
 * transaction: batch_rows has no index on validation_id, and one statement over a large batch would
 * lock all of it. `rest` runs after each range (a million-row batch takes 500); false when `shouldStop`
 * ended it early. Safe to repeat.
 */
export async function purgeBatchRowsOf(
  db: Db,
  batchId: string,
  validationIds: readonly string[],
  o: { rest?: (startedAt: number) => Promise<void>; shouldStop?: () => boolean } = {},
): Promise<boolean> {
  const last = Number((await db('batch_rows').where({ batch_id: batchId }).max({ n: 'row_number' }).first())?.n ?? -1);
  for (let after = -1; after < last; after += BATCH_ROW_RANGE) {
    if (o.shouldStop?.()) return false;
    const started = Date.now();
    await purgeBatchRowRange(db, batchId, after, Math.min(last, after + BATCH_ROW_RANGE), validationIds);
    await o.rest?.(started);
  }
  return true;
}

/** Purges a final batch's own fields and stubs its events; its rows are purged range by range before. */
export async function purgeBatch(trx: Trx, tenantId: string, batchId: string, now: Date): Promise<boolean> {
  const n = await trx('batches')
    .where({ id: batchId, tenant_id: tenantId })
    .whereIn('status', ['completed', 'failed'])
    .whereNull('purged_at')
    .update(purgedValues('batches', now));
  if (Number(n) === 0) return false;
  await purgeEventsOf(trx, tenantId, [batchId], now);
  return true;
}
