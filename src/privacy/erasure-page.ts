// One page of an erasure request's items, purged: unfinished validations failed first
// (`validation.erased`, through the worker's final step, so batch counters and events stay exact);
// the batch rows' references of at most one batch nulled range by range outside the transaction
// (items of other batches wait for the next page, so a step walks one batch at most); then, in one
// short transaction, the rows purged with their events and the idempotent answers that would replay
// them, and the items marked done.

import { withTransaction, type Db, type Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { fromRow } from '../validations/validation-store.js';
import { toValidationView } from '../validations/validation-view.js';
import { purgeBatchRowsOf, purgeValidations } from './purge-store.js';
import { addCounts, markItemsDone, pendingItems, type ErasureRequest } from './erasure-store.js';
import type { PurgeTable } from './privacy-metrics.js';
import { isFinal, type ValidationStatus } from '../validations/validation-types.js';

export interface ErasurePageDeps {
  db: Db;
  cipher: FieldCipher;
  pageSize: number;
  failUnfinished(ids: readonly string[], code: string): Promise<void>;
  onPurged?(table: PurgeTable, n: number): void;
}

/**
 * A replay of an erased validation's request answers with the purged object, not the payee. The
 * purged view holds no personal data, so it is stored in clear (replays read either form).
 */
async function rewriteIdempotentAnswers(trx: Trx, cipher: FieldCipher, tenantId: string, purged: readonly string[]): Promise<number> {
  if (purged.length === 0) return 0;
  const keys: Array<{ livemode: number; idem_key: string; resource_id: string }> = await trx('idempotency_keys')
    .where({ tenant_id: tenantId })
    .whereIn('resource_id', purged)
    .select('livemode', 'idem_key', 'resource_id');
  if (keys.length === 0) return 0;
  const views = new Map((await trx('validations').whereIn('id', [...new Set(keys.map((k) => k.resource_id))])).map((r) => [r.id as string, toValidationView(fromRow(r, cipher))]));
  for (const k of keys) {
    await trx('idempotency_keys')
      .where({ tenant_id: tenantId, livemode: k.livemode, idem_key: k.idem_key })
      .update({ response_body: JSON.stringify(views.get(k.resource_id) ?? null) });
  }
  return keys.length;
}

/**
 * Purges one page of `r`'s pending items. False when nothing moved on (no items, or only unfinished
 * ones) or when `shouldStop` ended the batch walk; `rest` runs between its ranges.
 */
export async function purgePage(deps: ErasurePageDeps, r: ErasureRequest, o: { rest: (startedAt: number) => Promise<void>; shouldStop: () => boolean }): Promise<boolean> {
  const { db } = deps;
  const pending = await pendingItems(db, r.id, deps.pageSize);
  if (pending.length === 0) return false;
  const unfinished: string[] = await db('validations').whereIn('id', pending).whereIn('status', ['queued', 'processing']).pluck('id');
  if (unfinished.length > 0) await deps.failUnfinished(unfinished, 'validation.erased');
  const rows: Array<{ id: string; status: ValidationStatus; batch_id: string | null; batch_row_count: number }> = await db('validations')
    .whereIn('id', pending)
    .select('id', 'status', 'batch_id', 'batch_row_count');
  const batchOf = new Map(rows.map((v) => [v.id, v.batch_id]));
  // The first batch among the page's final rows (also rows retention purged meanwhile) is walked now.
  const walked = rows.find((v) => v.batch_id && isFinal(v.status))?.batch_id ?? null;
  if (walked) {
    const vids = rows.filter((v) => v.batch_id === walked && isFinal(v.status)).map((v) => v.id);
    if (!(await purgeBatchRowsOf(db, walked, vids, o))) return false;
  }
  const ids = pending.filter((id) => !batchOf.get(id) || batchOf.get(id) === walked);
  const now = new Date();
  const outcome = await withTransaction(db, async (trx) => {
    const result = await purgeValidations(trx, r.tenantId, ids, now);
    const purged = new Set(result.purged);
    const batchRows = rows.filter((b) => b.batch_id && purged.has(b.id)).reduce((n, b) => n + Number(b.batch_row_count), 0);
    const idempotencyRecords = await rewriteIdempotentAnswers(trx, deps.cipher, r.tenantId, result.purged);
    // Rows purged before (retention, an earlier request) or gone are done too; a row still unfinished is retried.
    const still = new Set(result.unfinished);
    const done = ids.filter((id) => !still.has(id));
    await markItemsDone(trx, r.id, done);
    await addCounts(trx, r.id, { purgedValidations: result.purged.length, unfinishedFailed: unfinished.filter((id) => purged.has(id)).length, batchRows, webhookEvents: result.events, idempotencyRecords });
    return { progressed: done.length > 0, purged: result.purged.length, batchRows, events: result.events };
  });
  deps.onPurged?.('validations', outcome.purged);
  deps.onPurged?.('batch_rows', outcome.batchRows);
  deps.onPurged?.('webhook_events', outcome.events);
  return outcome.progressed;
}
